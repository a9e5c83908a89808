/**
 * The detectors, by the kind of text they read: free text people wrote (`detectSensitive`), a Forecast
 * resource name (`detectSensitiveInName`), a tag (`detectSensitiveTag`). Each is a pure function of its
 * string, so a caller may memoize it. None of them knows where an AWS identifier is: that is the masking
 * side's job (mask.ts), which runs them only over the parts of a field that people chose.
 *
 * They favour precision on the strings an AWS audit is full of: ARNs, 12-digit account ids, ISO dates and
 * timestamps, UUIDs, version numbers and hex digests are never flagged on their own.
 */
import { matchAll, mergeMatches, type SensitiveMatch, type Span } from "./kinds.js";
import { activeSensitiveMemo, type Matches } from "./memo.js";
import { detectMangledEmails, detectNameDigitRuns } from "./names.js";
import { detectEmails, detectNumbers } from "./personal.js";
import {
  detectAccessKeys,
  detectAssignments,
  detectBearer,
  detectHighEntropy,
  detectKnownTokens,
  detectPrivateKeys,
  detectUrlCredentials,
} from "./secrets.js";

const UUID =
  /(?<![0-9A-Fa-f-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Fa-f-])/;
/** The fixed part of an ARN (`arn:aws:iam::123456789012:`): its account id is not personal data. */
const ARN_PREFIX = /\barn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:\d{12}:/;
const ISO_DATE_TIME =
  /(?<!\d)\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?!\d)/;

/** Spans that the numeric detectors skip: ids and timestamps that only look like numbers. */
function benignSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const re of [UUID, ARN_PREFIX, ISO_DATE_TIME]) {
    for (const m of matchAll(text, re)) spans.push({ start: m.index, end: m.index + m[0].length });
  }
  return spans;
}

/**
 * Every match in free text, sorted and merged so that no two overlap. Inside `withSensitiveMemo` a string is
 * read once per run; the matches returned are then shared and frozen.
 */
export function detectSensitive(text: string): Matches {
  if (text === "") return [];
  const memo = activeSensitiveMemo();
  return memo ? memo.text.get(text, readFreeText) : readFreeText(text);
}

function readFreeText(text: string): SensitiveMatch[] {
  const excluded = benignSpans(text);
  const matches = [
    ...detectPrivateKeys(text),
    ...detectUrlCredentials(text),
    ...detectAssignments(text),
    ...detectBearer(text),
    ...detectKnownTokens(text),
    ...detectAccessKeys(text),
    ...detectEmails(text),
    ...detectNumbers(text, excluded),
    ...detectHighEntropy(text),
  ];
  return mergeMatches(matches);
}

export function looksSensitive(text: string): boolean {
  return detectSensitive(text).length > 0;
}

/**
 * The variant for Forecast resource names (`[a-zA-Z][a-zA-Z0-9_]*`): no `@`, `.` or separators other than
 * `_`, so it also looks at bare digit runs (`john_2125550143`) and mangled e-mails (`jdoe_at_example_com`,
 * `jdoe_gmail_com`). Only ever for a name: over an AWS-generated id a bare digit run is just hex.
 */
export function detectSensitiveInName(name: string): Matches {
  if (name === "") return [];
  const memo = activeSensitiveMemo();
  return memo ? memo.name.get(name, readName) : readName(name);
}

function readName(name: string): SensitiveMatch[] {
  return mergeMatches([...detectSensitive(name), ...detectNameDigitRuns(name), ...detectMangledEmails(name)]);
}

export function looksSensitiveName(name: string): boolean {
  return detectSensitiveInName(name).length > 0;
}

/**
 * A tag is sensitive when its key, its value, or the two read together (`ssn: 123456789`) are. The tag
 * control and the tag-removal fix both use this, so they agree on which tags to flag.
 */
export function detectSensitiveTag(tag: { key: string; value: string }): Matches {
  return [
    ...detectSensitive(tag.key),
    ...detectSensitive(tag.value),
    ...detectSensitive(`${tag.key}: ${tag.value}`),
  ];
}
