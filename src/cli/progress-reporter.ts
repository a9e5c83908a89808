/**
 * Scan progress on stderr: a live bar on a terminal, plain lines otherwise (CI logs), at most one plain
 * line per phase change or per 10% step so logs stay short.
 */
import { SingleBar } from "cli-progress";
import { ProgressTracker, type ScanProgress } from "../scan/progress.js";

export interface ProgressReporter {
  update(event: ScanProgress): void;
  stop(): void;
}

export function createProgressReporter(options: {
  isTty: boolean;
  write: (text: string) => void;
  stream?: NodeJS.WritableStream;
}): ProgressReporter {
  if (options.isTty) {
    const bar = new SingleBar({
      format: "{bar} {percentage}% | {value}/{total} | {phase}",
      stream: options.stream ?? process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    });
    const tracker = new ProgressTracker();
    let started = false;
    return {
      update(event) {
        const { done, total } = tracker.update(event);
        const payload = {
          phase: `${event.phase} ${event.accountId}${event.region ? ` ${event.region}` : ""}`,
        };
        if (!started) {
          bar.start(Math.max(total, 1), done, payload);
          started = true;
        }
        bar.setTotal(Math.max(total, 1));
        bar.update(done, payload);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let lastKey = "";
  let lastStep = -1;
  return {
    update(event) {
      const key = `${event.phase}|${event.accountId}|${event.region ?? ""}`;
      const step = event.total > 0 ? Math.floor((event.done / event.total) * 10) : 0;
      if (key === lastKey && step === lastStep) return;
      lastKey = key;
      lastStep = step;
      const where = [event.accountId, event.region].filter(Boolean).join(" ");
      options.write(
        `[scan] ${event.phase} ${where}: ${event.done}/${event.total}${event.message ? ` ${event.message}` : ""}\n`,
      );
    },
    stop() {},
  };
}
