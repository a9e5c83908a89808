/**
 * What only a Forecast resource name (`[a-zA-Z][a-zA-Z0-9_]*`) hides: bare digit runs split by `_`
 * (`john_212_555_0143`) and e-mail addresses with their `@` and dots spelled out (`jdoe_at_example_com`).
 */
import { at, matchAll, type SensitiveKind, type SensitiveMatch, type Span } from "./kinds.js";
import { isCardNumber, isNanp, isSsn, startsWithDate } from "./personal.js";

const DIGIT_RUN = /(?<![0-9])\d+(?:_\d+)*(?![0-9])/;

/** Digit runs in a name, as groups split by `_` (`212_555_0143` is one number). */
export function detectNameDigitRuns(name: string): SensitiveMatch[] {
  const out: SensitiveMatch[] = [];
  for (const m of matchAll(name, DIGIT_RUN)) {
    const groups: Span[] = [];
    let offset = m.index;
    for (const part of m[0].split("_")) {
      groups.push({ start: offset, end: offset + part.length });
      offset += part.length + 1;
    }
    for (const match of classifyDigitGroups(name, groups)) out.push(match);
  }
  return out;
}

function classifyDigitGroups(name: string, groups: readonly Span[]): SensitiveMatch[] {
  const out: SensitiveMatch[] = [];
  // Longest windows first, so that `212_555_0143` is one phone number, not three short runs.
  // No shape below spans more than five groups (4-4-4-4-3), which also keeps long runs linear.
  for (let size = Math.min(groups.length, 5); size >= 1; size--) {
    for (let i = 0; i + size <= groups.length; i++) {
      const window = groups.slice(i, i + size);
      const first = window[0];
      const last = window.at(-1);
      if (!first || !last) continue;
      if (out.some((o) => first.start < o.end && last.end > o.start)) continue;
      const lengths = window.map((g) => g.end - g.start);
      const digits = window.map((g) => name.slice(g.start, g.end)).join("");
      const kind = classifyDigits(digits, lengths);
      if (kind) out.push(at(kind, first.start, last.end));
    }
  }
  return out;
}

function classifyDigits(digits: string, lengths: readonly number[]): SensitiveKind | undefined {
  const shape = lengths.join(",");
  const single = lengths.length === 1;
  if (single && startsWithDate(digits)) return undefined;
  if ((single && digits.length === 9) || shape === "3,2,4") {
    if (isSsn(digits.slice(0, 3), digits.slice(3, 5), digits.slice(5))) return "us-ssn";
  }
  if (single || shape === "3,3,4" || shape === "1,3,3,4") {
    if ((digits.length === 10 || digits.length === 11) && isNanp(digits)) return "phone";
  }
  const cardShape = single || lengths.slice(0, -1).every((n) => n === 4) || shape === "4,6,5";
  if (cardShape && isCardNumber(digits)) return "payment-card";
  return undefined;
}

const TLDS =
  "com|net|org|edu|gov|mil|int|io|co|uk|us|ca|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|ie|pl|pt|br|mx|ar|au|nz|jp|cn|in|kr|sg|hk|ru|info|biz|me|dev|app|ai|tech|email";
const MAIL_PROVIDERS =
  "gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|icloud|me|aol|protonmail|proton|gmx|yandex|zoho|mail|fastmail|hey|comcast|verizon|att";
/** Providers distinctive enough to flag without a top-level domain (`jdoe_gmail`). */
const DISTINCT_MAIL_PROVIDERS = "gmail|googlemail|yahoo|ymail|hotmail|icloud|protonmail|yandex";

const MANGLED_LOCAL = "[A-Za-z0-9]+(?:_[A-Za-z0-9]+){0,2}";
const MANGLED_TLD = `(?:_dot)?_(?:${TLDS})`;
const MANGLED_EMAILS = [
  new RegExp(
    `(?<![A-Za-z0-9])${MANGLED_LOCAL}_at_[A-Za-z0-9]+(?:_(?:dot_)?[A-Za-z0-9]+)*?${MANGLED_TLD}(?:${MANGLED_TLD})?(?![A-Za-z0-9])`,
    "i",
  ),
  new RegExp(
    `(?<![A-Za-z0-9])${MANGLED_LOCAL}_(?:${MAIL_PROVIDERS})${MANGLED_TLD}(?:${MANGLED_TLD})?(?![A-Za-z0-9])`,
    "i",
  ),
  new RegExp(`(?<![A-Za-z0-9])${MANGLED_LOCAL}_(?:${DISTINCT_MAIL_PROVIDERS})(?![A-Za-z0-9])`, "i"),
];

/** `john_doe_at_example_com`, `jdoe_AT_example_DOT_co_uk`, `jdoe_gmail_com`, `jdoe_gmail`. */
export function detectMangledEmails(name: string): SensitiveMatch[] {
  return MANGLED_EMAILS.flatMap((re) =>
    matchAll(name, re).map((m) => at("email", m.index, m.index + m[0].length)),
  );
}
