/**
 * A dead-lettered job lands in the audit log as `job.dead-lettered` with `{ kind, jobId, slot?, accountId?,
 * region?, attempts, error }` (the digest reports these from the audit log).
 */
import type { Store } from "../store/types.js";
import type { DeadLetter } from "./job-queue.js";

export const JOB_DEAD_LETTERED_ACTION = "job.dead-lettered";

export interface DeadLetterDetail {
  kind: string;
  jobId: string;
  slot?: string;
  accountId?: string;
  region?: string;
  attempts: number;
  error: string;
}

export function deadLetterDetail(letter: DeadLetter): DeadLetterDetail {
  const detail: DeadLetterDetail = {
    kind: letter.kind,
    jobId: letter.jobId,
    attempts: letter.attempts,
    error: letter.error,
  };
  const { slot, accountId, region } = letter.payload;
  if (typeof slot === "string") detail.slot = slot;
  if (typeof accountId === "string") detail.accountId = accountId;
  if (typeof region === "string") detail.region = region;
  return detail;
}

/** Once per job: a dead-letter worker retried after recording does not record it again. */
export async function recordDeadLetter(
  store: Pick<Store, "appendAudit" | "listAudit">,
  letter: DeadLetter,
): Promise<void> {
  const [recorded] = await store.listAudit({
    action: JOB_DEAD_LETTERED_ACTION,
    target: letter.jobId,
    limit: 1,
  });
  if (recorded) return;
  await store.appendAudit({
    actor: "jobs",
    action: JOB_DEAD_LETTERED_ACTION,
    target: letter.jobId,
    detail: deadLetterDetail(letter),
  });
}
