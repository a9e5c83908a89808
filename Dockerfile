# syntax=docker/dockerfile:1
# forecast-audit: multi-stage build on Node 24 LTS; the runtime image has production dependencies only
# and runs as a non-root user.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
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
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))" || exit 1
ENTRYPOINT ["forecast-audit"]
CMD ["serve"]
