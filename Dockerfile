# syntax=docker/dockerfile:1
# forecast-audit: multi-stage build on Node 24 LTS; the runtime image has production dependencies only,
# runs as a non-root user, and has tini as PID 1 so that SIGTERM reaches the program and it exits cleanly.
#
# BASE IMAGE PIN: by tag, not digest. No container registry is reachable from where this file is maintained,
# so the real digest of node:24-bookworm-slim could not be read. Before a release, pin it:
#   docker buildx imagetools inspect node:24-bookworm-slim   # then FROM node:24-bookworm-slim@sha256:<digest>
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="forecast-audit" \
      org.opencontainers.image.description="Audit and fix the data-protection controls around Amazon Forecast, from Slack or a terminal." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini=0.19.0-1+b3 \
    && rm -rf /var/lib/apt/lists/*
# GLIBC_TUNABLES: Node's 64 KB socket read buffers are mapped and unmapped instead of kept by malloc, so
# memory returns to its level after a flood of requests (docs/benchmarks.md, bench:http).
ENV NODE_ENV=production \
    DATABASE_URL=sqlite:/data/forecast-audit.db \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=32768
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json manifest.yml ./
COPY examples ./examples
COPY docs/iam ./docs/iam
RUN ln -s /app/dist/cli/main.js /usr/local/bin/forecast-audit && chmod +x /app/dist/cli/main.js \
    && mkdir -p /data && chown node:node /data
# The image's `node` user (uid and gid 1000), numerically so that the host can resolve it.
USER 1000:1000
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "forecast-audit"]
CMD ["serve"]
