/** Background work started after an ack: tracked so shutdown and tests can wait for it, errors logged. */
import type { Logger } from "pino";

export interface TaskTracker {
  run(name: string, work: () => Promise<unknown>): void;
  /** Resolves when every task started so far (and any they start) has settled. */
  idle(): Promise<void>;
}

export function createTaskTracker(logger: Logger): TaskTracker {
  const running = new Set<Promise<unknown>>();
  return {
    run(name, work) {
      const task = Promise.resolve()
        .then(work)
        .catch((error: unknown) => {
          logger.error({ err: error, task: name }, "Slack background task failed");
        })
        .finally(() => running.delete(task));
      running.add(task);
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
