/**
 * What a button carries for a finding: its finding id (`f-…`, a hash of its key), so that no resource name,
 * ARN or tag travels through Slack, and the same id people see in the message, the CLI and JSON. Buttons
 * posted before finding ids existed carry a 22-character hash of the key; those are still accepted.
 */
import { createHash } from "node:crypto";
import { type Finding, findingId, findingKey } from "../domain/finding.js";

type FindingKeyParts = Pick<Finding, "controlId" | "accountId" | "region" | "resourceArn">;

export const FINDING_REF_PATTERN = /^(?:f-[0-9a-hjkmnp-tv-z]{12}|[A-Za-z0-9_-]{22})$/;

export function findingRef(finding: FindingKeyParts): string {
  return findingId(finding);
}

/** The ref of buttons posted by earlier versions; only for finding those findings again. */
export function legacyFindingRef(finding: FindingKeyParts): string {
  return createHash("sha256").update(findingKey(finding)).digest("base64url").slice(0, 22);
}
