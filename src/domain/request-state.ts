/** The states of a fix request: pending → approved → applying → applied | failed, reverting → reverted, and the ends rejected, expired, interrupted. */
export const REQUEST_STATES = [
  "pending",
  "approved",
  "rejected",
  "expired",
  "applying",
  "applied",
  "failed",
  "reverting",
  "reverted",
  "interrupted",
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];
