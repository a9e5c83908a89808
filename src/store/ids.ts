/** Identifiers the store hands out: opaque for requests, readable and time-ordered for scans. */
import { randomBytes } from "node:crypto";

/** 16 random bytes, base64url: safe to put in a Slack button value, impossible to guess. */
export function newRequestId(): string {
  return randomBytes(16).toString("base64url");
}

/** `20260102T030405Z-1a2b3c4d`: sorts by start time and is short enough to type. */
export function newScanId(startedAt: string): string {
  const stamp = startedAt.replace(/[-:]/g, "").replace(/\.\d+/, "");
  return `${stamp}-${randomBytes(4).toString("hex")}`;
}

/** `sup-` and 8 base32-ish characters, easy to type in `unsuppress`. */
export function newSuppressionId(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  const bytes = randomBytes(8);
  let id = "sup-";
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return id;
}
