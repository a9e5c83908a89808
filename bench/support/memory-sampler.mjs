/**
 * Loaded into the CLI process of bench:scan to see which phase its peak RSS is in (docs/benchmarks.md):
 *   MEMLOG_FILE=/tmp/mem.log BENCH_CLI_NODE_OPTIONS="--import $PWD/bench/support/memory-sampler.mjs" \
 *     npx tsx bench/scan.bench.ts --sizes 50000
 * Every 500 ms appends one line (seconds since start, RSS, its peak so far, heap used/total, external, array
 * buffers, in MB) to MEMLOG_FILE, or writes it to stderr without one. Holds nothing; its timer does not keep
 * the process alive.
 */
import { appendFileSync } from "node:fs";

const started = Date.now();
const MB = 1024 * 1024;
const out = process.env.MEMLOG_FILE;
let peak = 0;
setInterval(() => {
  const m = process.memoryUsage();
  peak = Math.max(peak, m.rss);
  const mb = (n) => Math.floor(n / MB);
  const line = `[mem] ${((Date.now() - started) / 1000).toFixed(1)}s rss ${mb(m.rss)} peak ${mb(peak)} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} ext ${mb(m.external)} ab ${mb(m.arrayBuffers)}\n`;
  if (out) appendFileSync(out, line);
  else process.stderr.write(line);
}, 500).unref();
