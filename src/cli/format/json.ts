import type { ScanReport } from "./report.js";

/** One JSON object with a `findings` array: the interface CI pipelines parse. */
export function renderJson(report: ScanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
