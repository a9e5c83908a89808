/**
 * The one sensitive-data detector and the masking built on it: e-mail, phone number, payment card (Luhn),
 * US SSN, AWS access key id, secret-looking strings. The detectors live in sensitive/ by kind of data; what
 * they read is decided per field (sensitive/mask.ts): names, tags, paths and free text, never the
 * identifiers AWS generates. Everything flagged is masked wherever it is shown (Slack, CLI, logs).
 */
export {
  detectSensitive,
  detectSensitiveInName,
  detectSensitiveTag,
  looksSensitive,
  looksSensitiveName,
} from "./sensitive/detect.js";
export { describeSensitiveKinds, type SensitiveKind } from "./sensitive/kinds.js";
export { containsMask, maskArn, maskS3Path, maskSensitive, maskSensitiveName } from "./sensitive/mask.js";
export { createSensitiveMemo, withSensitiveMemo } from "./sensitive/memo.js";
export { luhnValid } from "./sensitive/personal.js";
export { containsAccessKeyId } from "./sensitive/secrets.js";

import { maskArn } from "./sensitive/mask.js";

/** The finding's `resourceArn` for display: see `maskArn`. */
export function maskResourceArn(arn: string): string {
  return maskArn(arn);
}
