/**
 * The opaque id a button carries for a finding: a hash of its key, so that no resource name, ARN or tag
 * travels through Slack, and a value stays short whatever the ARN length.
 */
import { createHash } from "node:crypto";
import { type Finding, findingKey } from "../domain/finding.js";

export const FINDING_REF_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function findingRef(
  finding: Pick<Finding, "controlId" | "accountId" | "region" | "resourceArn">,
): string {
  return createHash("sha256").update(findingKey(finding)).digest("base64url").slice(0, 22);
}
