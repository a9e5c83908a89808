/**
 * The one sensitive-data detector: e-mail, phone number, payment card (Luhn), US SSN, AWS access key id,
 * secret-looking strings. Everything it flags is masked wherever it is shown (Slack, CLI, logs).
 *
 * It favours precision on the strings an AWS audit is full of: ARNs, 12-digit account ids, ISO dates and
 * timestamps, UUIDs, version numbers and hex digests are never flagged on their own.
 */
export type SensitiveKind = "email" | "phone" | "payment-card" | "us-ssn" | "aws-access-key" | "secret";

export interface SensitiveMatch {
  kind: SensitiveKind;
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

/** Every match in `text`, sorted and merged so that no two overlap. */
export function detectSensitive(text: string): SensitiveMatch[] {
  if (text === "") return [];
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

/**
 * A tag is sensitive when its key, its value, or the two read together (`ssn: 123456789`) are. The tag
 * control and the tag-removal fix both use this, so they agree on which tags to flag.
 */
export function detectSensitiveTag(tag: { key: string; value: string }): SensitiveMatch[] {
  return [
    ...detectSensitive(tag.key),
    ...detectSensitive(tag.value),
    ...detectSensitive(`${tag.key}: ${tag.value}`),
  ];
}

export function looksSensitive(text: string): boolean {
  return detectSensitive(text).length > 0;
}

/** Replaces every match with `[kind]`, keeping nothing of the matched text. */
export function maskSensitive(text: string): string {
  return applyMask(text, detectSensitive(text));
}

/**
 * The variant for Forecast resource names (`[a-zA-Z][a-zA-Z0-9_]*`): no `@`, `.` or separators other than
 * `_`, so it also looks at bare digit runs (`john_2125550143`) and mangled e-mails (`jdoe_at_example_com`,
 * `jdoe_gmail_com`).
 */
export function detectSensitiveInName(name: string): SensitiveMatch[] {
  if (name === "") return [];
  return mergeMatches([...detectSensitive(name), ...detectNameDigitRuns(name), ...detectMangledEmails(name)]);
}

export function looksSensitiveName(name: string): boolean {
  return detectSensitiveInName(name).length > 0;
}

export function maskSensitiveName(name: string): string {
  return applyMask(name, detectSensitiveInName(name));
}

/** The distinct kinds of `matches`, as a phrase: "an e-mail address and a phone number". */
export function describeSensitiveKinds(matches: readonly SensitiveMatch[]): string {
  const labels = [...new Set(matches.map((m) => m.kind))].map((kind) => SENSITIVE_KIND_LABELS[kind]);
  if (labels.length <= 1) return labels[0] ?? "nothing sensitive";
  return `${labels.slice(0, -1).join(", ")} and ${labels.at(-1)}`;
}

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

// ---------------------------------------------------------------------------------------------------
// Structure

function mergeMatches(matches: SensitiveMatch[]): SensitiveMatch[] {
  const sorted = matches
    .filter((m) => m.end > m.start)
    .sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start));
  const merged: SensitiveMatch[] = [];
  for (const m of sorted) {
    const last = merged.at(-1);
    if (last && m.start < last.end) {
      // Overlaps are unioned so that masking never leaves a piece of either match behind.
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

function* matchAll(text: string, pattern: RegExp): Generator<RegExpExecArray> {
  const re = new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`);
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0] === "") re.lastIndex++;
    yield m;
  }
}

interface Span {
  start: number;
  end: number;
}

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

function overlapsAny(spans: readonly Span[], start: number, end: number): boolean {
  return spans.some((s) => start < s.end && end > s.start);
}

function at(kind: SensitiveKind, start: number, end: number): SensitiveMatch {
  return { kind, start, end };
}

// ---------------------------------------------------------------------------------------------------
// Secrets and keys

function detectPrivateKeys(text: string): SensitiveMatch[] {
  const re =
    /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*$)/;
  return [...matchAll(text, re)].map((m) => at("secret", m.index, m.index + m[0].length));
}

/** `scheme://user:password@host` and `s3://user@bucket`: everything between `//` and `@`. */
function detectUrlCredentials(text: string): SensitiveMatch[] {
  const re = /(?<=[a-z0-9+.-]:\/\/)[^\s/?#@]+@(?=[^\s/?#@])/i;
  return [...matchAll(text, re)].map((m) => at("secret", m.index, m.index + m[0].length - 1));
}

const SECRET_NAMES = [
  "password",
  "passwd",
  "passphrase",
  "pwd",
  "pass",
  "secret",
  "[a-z0-9]*[_-]secret",
  "secret[_-]?(?:access[_-]?)?key",
  "private[_-]?key",
  "token",
  "[a-z0-9]*[_-]token",
  "api[_-]?key",
  "apikey",
  "access[_-]?key(?:[_-]?id)?",
  "sig",
  "signature",
  "x-amz-credential",
  "x-amz-signature",
  "x-amz-security-token",
  "awsaccesskeyid",
];
const ASSIGNMENT = new RegExp(
  `(?<![a-z0-9:])(?:${SECRET_NAMES.join("|")})["']?\\s*(?:=|:(?!//))\\s*(["']?)([^\\s&"';,<>()\\[\\]{}]+)`,
  "i",
);
/** Values that are plainly not secrets (placeholders, already-masked text, booleans). */
const PLACEHOLDER = /^(?:\*+|x+|\.+|-+|none|null|nil|true|false|yes|no|n\/a|na|redacted|masked|changeme)$/i;

/** `password=…`, `token: …`, `X-Amz-Signature=…`: the value is masked, the name stays readable. */
function detectAssignments(text: string): SensitiveMatch[] {
  const out: SensitiveMatch[] = [];
  for (const m of matchAll(text, ASSIGNMENT)) {
    const value = m[2] ?? "";
    if (value.length < 3 || PLACEHOLDER.test(value)) continue;
    const end = m.index + m[0].length;
    out.push(at("secret", end - value.length, end));
  }
  return out;
}

function detectBearer(text: string): SensitiveMatch[] {
  const out: SensitiveMatch[] = [];
  for (const m of matchAll(text, /(?<![a-z0-9])(bearer|basic)\s+([A-Za-z0-9\-._~+/]{8,}=*)/i)) {
    const token = m[2] ?? "";
    // A word after "basic" or "bearer" is prose ("basic forecasting"); a credential has digits or symbols.
    if (!/[0-9+/=._~-]/.test(token)) continue;
    if (m[1]?.toLowerCase() === "basic" && !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) continue;
    const end = m.index + m[0].length;
    out.push(at("secret", end - token.length, end));
  }
  return out;
}

/** Token formats with a well-known prefix (Slack, GitHub, GitLab, Stripe, Google, JWT). */
const KNOWN_TOKENS = [
  /(?<![A-Za-z0-9])xox[abposre]-[A-Za-z0-9-]{10,}/,
  /(?<![A-Za-z0-9])xapp-\d-[A-Za-z0-9-]{10,}/,
  /(?<![A-Za-z0-9])(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}/,
  /(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{30,}/,
  /(?<![A-Za-z0-9])glpat-[A-Za-z0-9_-]{20,}/,
  /(?<![A-Za-z0-9])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}/,
  /(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}/,
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/,
];

function detectKnownTokens(text: string): SensitiveMatch[] {
  return KNOWN_TOKENS.flatMap((re) =>
    [...matchAll(text, re)].map((m) => at("secret", m.index, m.index + m[0].length)),
  );
}

const ACCESS_KEY_ID = /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Z0-9])/;

export function containsAccessKeyId(text: string): boolean {
  return ACCESS_KEY_ID.test(text);
}

function detectAccessKeys(text: string): SensitiveMatch[] {
  return [...matchAll(text, ACCESS_KEY_ID)].map((m) => at("aws-access-key", m.index, m.index + m[0].length));
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  if (value === "") return 0;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function count(value: string, re: RegExp): number {
  return value.match(re)?.length ?? 0;
}

function characterClasses(value: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(value)).length;
}

/**
 * AWS secret access keys (40 base64 characters) and other long random strings. Hex digests (one case,
 * 16 symbols) and UUIDs stay below the bar; so do names made of words.
 */
function detectHighEntropy(text: string): SensitiveMatch[] {
  const out: SensitiveMatch[] = [];
  for (const m of matchAll(text, /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{20,}={0,2}(?![A-Za-z0-9+/=_-])/)) {
    const token = m[0];
    const core = token.replace(/=+$/, "");
    if (characterClasses(core) < 3) continue;
    const isSecretKeyShape = core.length === 40 && /^[A-Za-z0-9+/]{40}$/.test(core);
    // Random base64 has many of each letter case; CamelCase paths and words have few capitals.
    if (count(core, /[A-Z]/g) < 8 || count(core, /[a-z]/g) < 8) continue;
    if (!isSecretKeyShape) {
      // Paths and snake_case names are made of short readable parts; a random token is one long part.
      const longest = Math.max(...core.split(/[/_-]+/).map((w) => w.length));
      if (core.length < 24 || longest < 16) continue;
    }
    const threshold = isSecretKeyShape ? 4.2 : core.length >= 32 ? 4.5 : 4.3;
    if (shannonEntropy(core) < threshold) continue;
    if (ACCESS_KEY_ID.test(core) && core.length === 20) continue;
    out.push(at("secret", m.index, m.index + token.length));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Personal data

function detectEmails(text: string): SensitiveMatch[] {
  const re =
    /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/;
  return [...matchAll(text, re)].map((m) => at("email", m.index, m.index + m[0].length));
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** 13–19 digits, an issuer prefix in use (2–6), and a valid Luhn check digit. */
function isCardNumber(digits: string): boolean {
  return /^[2-6]\d{12,18}$/.test(digits) && !/^(\d)\1+$/.test(digits) && luhnValid(digits);
}

/** North American number: area and exchange codes start with 2–9. */
function isNanp(digits: string): boolean {
  const ten = digits.length === 11 && digits.startsWith("1") ? digits.slice(1) : digits;
  return /^[2-9]\d{2}[2-9]\d{6}$/.test(ten) && !/^(\d)\1+$/.test(ten);
}

/** `20240115…`: a run that starts with a date is a timestamp or a date-stamped id, not a phone or card. */
function startsWithDate(digits: string): boolean {
  return /^(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])/.test(digits);
}

function isSsn(area: string, group: string, serial: string): boolean {
  return !/^(?:000|666|9\d\d)$/.test(area) && group !== "00" && serial !== "0000";
}

/** Keywords that make a bare 9-digit run a likely SSN. */
const SSN_CONTEXT = /(?:ssn|social[\s_-]*security|social[\s_-]*sec|tax[\s_-]*id|tin)\b[^0-9]{0,12}$/i;
const PHONE_CONTEXT = /(?:phone|mobile|cell|tel|fax|call|contact|whatsapp)[^0-9]{0,12}$/i;

function detectNumbers(text: string, excluded: readonly Span[]): SensitiveMatch[] {
  const out: SensitiveMatch[] = [];
  const push = (kind: SensitiveKind, start: number, end: number) => {
    if (!overlapsAny(excluded, start, end)) out.push(at(kind, start, end));
  };
  const lead = "(?<![A-Za-z0-9])(?<![0-9][.-])";
  const tail = "(?![A-Za-z0-9])(?![.-][0-9])";

  for (const m of matchAll(text, new RegExp(`${lead}(\\d{3})-(\\d{2})-(\\d{4})${tail}`))) {
    if (isSsn(m[1] ?? "", m[2] ?? "", m[3] ?? "")) push("us-ssn", m.index, m.index + m[0].length);
  }
  for (const m of matchAll(text, new RegExp(`${lead}(\\d{3})[ ]?(\\d{2})[ ]?(\\d{4})${tail}`))) {
    if (!SSN_CONTEXT.test(text.slice(Math.max(0, m.index - 30), m.index))) continue;
    if (isSsn(m[1] ?? "", m[2] ?? "", m[3] ?? "")) push("us-ssn", m.index, m.index + m[0].length);
  }

  // Card numbers: plain, or grouped with one consistent separator.
  for (const m of matchAll(text, new RegExp(`${lead}(?<!\\d[ -])\\d(?:[ -]?\\d){12,18}${tail}(?![ -]\\d)`))) {
    const raw = m[0];
    const separators = new Set(raw.replace(/\d/g, ""));
    if (separators.size > 1) continue;
    if (separators.size === 1 && raw.split(/[ -]/).some((g) => g.length < 3 || g.length > 6)) continue;
    const digits = raw.replace(/\D/g, "");
    if (separators.size === 0 && startsWithDate(digits)) continue;
    if (isCardNumber(digits)) push("payment-card", m.index, m.index + raw.length);
  }

  // International numbers need a leading `+` and 8–15 digits.
  for (const m of matchAll(
    text,
    /(?<![A-Za-z0-9+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){1,6}(?![A-Za-z0-9])(?![.-][0-9])/,
  )) {
    const digits = m[0].replace(/\D/g, "");
    if (digits.length >= 8 && digits.length <= 15) push("phone", m.index, m.index + m[0].length);
  }
  // North American numbers with separators: (212) 555-0143, 212-555-0143, 1 212.555.0143.
  for (const m of matchAll(
    text,
    new RegExp(`${lead}(?:1[ .-]?)?(?:\\(\\d{3}\\)[ .-]?|\\d{3}[ .-])\\d{3}[ .-]\\d{4}${tail}`),
  )) {
    const raw = m[0];
    const start = raw.startsWith("(") || text[m.index - 1] !== "(" ? m.index : m.index - 1;
    if (isNanp(raw.replace(/\D/g, ""))) push("phone", start, m.index + raw.length);
  }
  // Bare 10- or 11-digit runs are phone numbers when valid NANP and either formatted as such or named so.
  for (const m of matchAll(text, new RegExp(`${lead}1?\\d{10}${tail}`))) {
    const digits = m[0];
    if (digits.length === 11 && !digits.startsWith("1")) continue;
    const named = PHONE_CONTEXT.test(text.slice(Math.max(0, m.index - 30), m.index));
    if (startsWithDate(digits)) continue;
    if (isNanp(digits) && (named || digits.length === 10)) push("phone", m.index, m.index + digits.length);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Names

/** Digit runs in a name, as groups split by `_` (`212_555_0143` is one number). */
function detectNameDigitRuns(name: string): SensitiveMatch[] {
  const out: SensitiveMatch[] = [];
  for (const m of matchAll(name, /(?<![0-9])\d+(?:_\d+)*(?![0-9])/)) {
    const groups: Span[] = [];
    let offset = m.index;
    for (const part of m[0].split("_")) {
      groups.push({ start: offset, end: offset + part.length });
      offset += part.length + 1;
    }
    out.push(...classifyDigitGroups(name, groups));
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

/** `john_doe_at_example_com`, `jdoe_AT_example_DOT_co_uk`, `jdoe_gmail_com`, `jdoe_gmail`. */
function detectMangledEmails(name: string): SensitiveMatch[] {
  const local = "[A-Za-z0-9]+(?:_[A-Za-z0-9]+){0,2}";
  const tld = `(?:_dot)?_(?:${TLDS})`;
  const patterns = [
    new RegExp(
      `(?<![A-Za-z0-9])${local}_at_[A-Za-z0-9]+(?:_(?:dot_)?[A-Za-z0-9]+)*?${tld}(?:${tld})?(?![A-Za-z0-9])`,
      "i",
    ),
    new RegExp(`(?<![A-Za-z0-9])${local}_(?:${MAIL_PROVIDERS})${tld}(?:${tld})?(?![A-Za-z0-9])`, "i"),
    new RegExp(`(?<![A-Za-z0-9])${local}_(?:${DISTINCT_MAIL_PROVIDERS})(?![A-Za-z0-9])`, "i"),
  ];
  return patterns.flatMap((re) =>
    [...matchAll(name, re)].map((m) => at("email", m.index, m.index + m[0].length)),
  );
}

/**
 * Masks an ARN for display: the partition, service, region and account stay readable; the resource part
 * (which carries user-chosen names) is masked with both the free-text and the Forecast-name detectors.
 */
export function maskResourceArn(arn: string): string {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return maskSensitiveName(maskSensitive(arn));
  const head = parts.slice(0, 5).join(":");
  const resource = parts.slice(5).join(":");
  const masked = resource
    .split("/")
    .map((segment) => maskSensitiveName(maskSensitive(segment)))
    .join("/");
  return `${head}:${masked}`;
}
