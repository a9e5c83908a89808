/** A scan worker whose thread dies mid-scan (as on an out-of-memory abort): for the worker pool's tests. */
import type { ScanWorkerReply, ScanWorkerTask } from "../../src/app/scan-worker.js";

export default async function crash(task: ScanWorkerTask): Promise<ScanWorkerReply> {
  task.progress.postMessage({ phase: "forecast", accountId: "111122223333", done: 1, total: 2, message: "" });
  await new Promise((resolve) => setTimeout(resolve, 20));
  process.exit(7);
}
