/**
 * The job handlers a queue was given, by kind, and the dead-letter path they share: the deployment's record
 * (the audit log) first, then the kind's own hook. Both queues (pg-boss, the in-process runner) hold one.
 */
import type { DeadLetter, JobHandler, WorkOptions } from "./job-queue.js";

export class JobHandlers {
  readonly #handlers = new Map<string, JobHandler>();
  readonly #options = new Map<string, WorkOptions>();
  #sealed = false;

  constructor(private readonly onDeadLetter: (letter: DeadLetter) => Promise<void>) {}

  /** Handlers are registered before the queue starts: a job fetched before its handler exists would fail. */
  register(kind: string, handler: JobHandler, options: WorkOptions = {}): void {
    if (this.#sealed) throw new Error(`register the ${kind} job handler before starting the queue`);
    this.#handlers.set(kind, handler);
    this.#options.set(kind, options);
  }

  /** The queue has started: no more handlers. */
  seal(): void {
    this.#sealed = true;
  }

  get sealed(): boolean {
    return this.#sealed;
  }

  get(kind: string): JobHandler | undefined {
    return this.#handlers.get(kind);
  }

  kinds(): string[] {
    return [...this.#handlers.keys()];
  }

  entries(): IterableIterator<[string, JobHandler]> {
    return this.#handlers.entries();
  }

  async deadLettered(letter: DeadLetter): Promise<void> {
    await this.onDeadLetter(letter);
    await this.#options.get(letter.kind)?.onDeadLetter?.(letter);
  }
}
