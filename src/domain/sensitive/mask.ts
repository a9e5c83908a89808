/**
 * Masking by field. The detectors only ever read text people chose: a Forecast resource name, the name parts
 * of an ARN (per ARN type), the bucket and the key of an S3 path (apart, so a credential in the key never
 * hides the bucket), and free text outside the identifiers it quotes. Account ids, regions, KMS key ids and
 * the fixed parts of an ARN pass through as they are, so a masked finding still names its resource.
 *
 * Every function here is a pure function of its string.
 */
import { arnNameParts, splitS3Url } from "../arn.js";
import { detectSensitive, detectSensitiveInName } from "./detect.js";
import { applyMask, matchAll, SENSITIVE_KINDS, type SensitiveMatch, type Span, shift } from "./kinds.js";

/** Masks a Forecast resource name with the name rules (digit runs, mangled e-mails). */
export function maskSensitiveName(name: string): string {
  return applyMask(name, detectSensitiveInName(name));
}

/** An ARN masked by its parts; undefined when `arn` is not an ARN. */
function maskArnParts(arn: string): string | undefined {
  const parts = arnNameParts(arn);
  if (!parts) return undefined;
  const matches: SensitiveMatch[] = [];
  for (const part of parts) {
    const text = arn.slice(part.start, part.end);
    const found = part.kind === "forecast-name" ? detectSensitiveInName(text) : detectSensitive(text);
    for (const match of shift(found, part.start)) matches.push(match);
  }
  return applyMask(arn, matches);
}

/**
 * An ARN for display: partition, service, region, account, resource type and AWS-generated ids (KMS key
 * ids) stay as they are; the names people chose are masked (Forecast names with the name rules). Text that
 * is not an ARN is masked as free text.
 */
export function maskArn(arn: string): string {
  return maskArnParts(arn) ?? maskSensitive(arn);
}

/**
 * An S3 path (`s3://[user@]bucket/key?query`) for display: credentials before the bucket are replaced, the
 * bucket is read as a name on its own and stays visible unless it is itself sensitive, and the key and query
 * are read together (a `X-Amz-Signature=` keeps its name, loses its value). Text that is not an S3 URL is
 * masked as free text.
 */
export function maskS3Path(path: string): string {
  return maskS3Parts(path) ?? maskSensitive(path);
}

function maskS3Parts(path: string): string | undefined {
  const parts = splitS3Url(path);
  if (!parts) return undefined;
  const { scheme, bucket, rest } = parts;
  const userinfo = parts.userinfo !== undefined ? "[secret]@" : "";
  const lead = rest.startsWith("/") ? "/" : "";
  const key = rest.slice(lead.length);
  return `${scheme}${userinfo}${applyMask(bucket, detectSensitive(bucket))}${lead}${applyMask(key, detectSensitive(key))}`;
}

// ---------------------------------------------------------------------------------------------------
// Free text

/** An ARN in running text; trailing sentence punctuation is not part of it. */
const ARN_IN_TEXT = /\barn:[^\s"'`<>,;()[\]{}]+/;
const S3_URL_IN_TEXT = /\bs3[an]?:\/\/[^\s"'`<>]+/i;

interface Identifier extends Span {
  masked: string;
}

/** The ARNs and S3 paths that free text quotes, each masked by its own structure. */
function identifiersIn(text: string): Identifier[] {
  const found: Identifier[] = [];
  for (const m of matchAll(text, ARN_IN_TEXT)) {
    const raw = m[0].replace(/[.:]+$/, "");
    const masked = maskArnParts(raw);
    if (masked !== undefined) found.push({ start: m.index, end: m.index + raw.length, masked });
  }
  for (const m of matchAll(text, S3_URL_IN_TEXT)) {
    const raw = m[0].replace(/[.:]+$/, "");
    const start = m.index;
    if (found.some((f) => start < f.end && start + raw.length > f.start)) continue;
    const masked = maskS3Parts(raw);
    if (masked !== undefined) found.push({ start, end: start + raw.length, masked });
  }
  return found;
}

/**
 * Masks free text (a detail sentence, an error message, a log line): the ARNs and S3 paths it quotes are
 * masked by their parts, everything else with the free-text detector. A match that starts before an
 * identifier and runs into it (`password=s3://…`) is context the identifier cannot see, so that
 * identifier is then read as free text too.
 */
export function maskSensitive(text: string): string {
  if (text === "") return text;
  const matches = detectSensitive(text);
  const identifiers = identifiersIn(text);
  if (identifiers.length === 0) return applyMask(text, matches);
  const structured = identifiers.filter((id) => !matches.some((m) => m.start < id.start && m.end > id.start));
  const kept = matches.filter((m) => !structured.some((id) => m.start >= id.start && m.start < id.end));
  const pieces: Array<Span & { text: string }> = [
    ...structured.map((id) => ({ start: id.start, end: id.end, text: id.masked })),
    ...kept.map((m) => ({ start: m.start, end: m.end, text: `[${m.kind}]` })),
  ].sort((a, b) => a.start - b.start);
  let out = "";
  let cursor = 0;
  for (const piece of pieces) {
    if (piece.start < cursor) continue;
    out += text.slice(cursor, piece.start) + piece.text;
    cursor = piece.end;
  }
  return out + text.slice(cursor);
}

const MASK_MARKER = new RegExp(`\\[(?:${SENSITIVE_KINDS.join("|")})\\]`);

/** True when `text` carries a mask marker (`[payment-card]`): it was masked, it is not the original. */
export function containsMask(text: string): boolean {
  return MASK_MARKER.test(text);
}
