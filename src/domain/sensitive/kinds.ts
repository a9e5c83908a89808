/** What a detector reports, and the small pieces every detector shares: spans, merging, masking. */
export type SensitiveKind = "email" | "phone" | "payment-card" | "us-ssn" | "aws-access-key" | "secret";

export const SENSITIVE_KINDS: readonly SensitiveKind[] = [
  "email",
  "phone",
  "payment-card",
  "us-ssn",
  "aws-access-key",
  "secret",
];

export interface SensitiveMatch {
  kind: SensitiveKind;
  start: number;
  end: number;
}

export interface Span {
  start: number;
  end: number;
}

/** How each kind reads in a sentence ("… looks like an e-mail address"). */
export const SENSITIVE_KIND_LABELS: Record<SensitiveKind, string> = {
  email: "an e-mail address",
  phone: "a phone number",
  "payment-card": "a payment card number",
  "us-ssn": "a US social security number",
  "aws-access-key": "an AWS access key id",
  secret: "a secret or token",
};

/** The distinct kinds of `matches`, as a phrase: "an e-mail address and a phone number". */
export function describeSensitiveKinds(matches: readonly SensitiveMatch[]): string {
  const labels = [...new Set(matches.map((m) => m.kind))].map((kind) => SENSITIVE_KIND_LABELS[kind]);
  if (labels.length <= 1) return labels[0] ?? "nothing sensitive";
  return `${labels.slice(0, -1).join(", ")} and ${labels.at(-1)}`;
}

/** Replaces every match with `[kind]`, keeping nothing of the matched text. */
export function applyMask(text: string, matches: readonly SensitiveMatch[]): string {
  let out = "";
  let cursor = 0;
  for (const m of [...matches].sort((a, b) => a.start - b.start)) {
    if (m.start < cursor) continue;
    out += `${text.slice(cursor, m.start)}[${m.kind}]`;
    cursor = m.end;
  }
  return out + text.slice(cursor);
}

/** Sorted, with overlapping matches unioned so that masking never leaves a piece of either behind. */
export function mergeMatches(matches: SensitiveMatch[]): SensitiveMatch[] {
  const sorted = matches
    .filter((m) => m.end > m.start)
    .sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start));
  const merged: SensitiveMatch[] = [];
  for (const m of sorted) {
    const last = merged.at(-1);
    if (last && m.start < last.end) {
      if (m.end > last.end) {
        if (m.end - m.start > last.end - last.start) last.kind = m.kind;
        last.end = m.end;
      }
      continue;
    }
    merged.push({ ...m });
  }
  return merged;
}

/** The global twin of each pattern, built once: detection runs these over every name and tag of a scan. */
const globalTwins = new WeakMap<RegExp, RegExp>();

/**
 * Every match of `pattern` in `text`, left to right (an empty match moves on by one). Eager, so the shared
 * global twin's `lastIndex` is never left half-way for another caller.
 */
export function matchAll(text: string, pattern: RegExp): RegExpExecArray[] {
  let re = globalTwins.get(pattern);
  if (re === undefined) {
    re = pattern.global
      ? new RegExp(pattern.source, pattern.flags)
      : new RegExp(pattern.source, `${pattern.flags}g`);
    globalTwins.set(pattern, re);
  }
  const out: RegExpExecArray[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0] === "") re.lastIndex++;
    out.push(m);
  }
  re.lastIndex = 0;
  return out;
}

export function overlapsAny(spans: readonly Span[], start: number, end: number): boolean {
  return spans.some((s) => start < s.end && end > s.start);
}

export function at(kind: SensitiveKind, start: number, end: number): SensitiveMatch {
  return { kind, start, end };
}

/** Moves matches found in a substring that starts at `offset` to the coordinates of the whole text. */
export function shift(matches: readonly SensitiveMatch[], offset: number): SensitiveMatch[] {
  return matches.map((m) => at(m.kind, m.start + offset, m.end + offset));
}
