/** Personal data: e-mail addresses, phone numbers, payment card numbers (Luhn) and US social security numbers. */
import { at, matchAll, overlapsAny, type SensitiveKind, type SensitiveMatch, type Span } from "./kinds.js";

// Patterns live at module level: `matchAll` keeps one global twin per pattern object.
const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/;

export function detectEmails(text: string): SensitiveMatch[] {
  return matchAll(text, EMAIL).map((m) => at("email", m.index, m.index + m[0].length));
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
export function isCardNumber(digits: string): boolean {
  return /^[2-6]\d{12,18}$/.test(digits) && !/^(\d)\1+$/.test(digits) && luhnValid(digits);
}

/** North American number: area and exchange codes start with 2–9. */
export function isNanp(digits: string): boolean {
  const ten = digits.length === 11 && digits.startsWith("1") ? digits.slice(1) : digits;
  return /^[2-9]\d{2}[2-9]\d{6}$/.test(ten) && !/^(\d)\1+$/.test(ten);
}

/** `20240115…`: a run that starts with a date is a timestamp or a date-stamped id, not a phone or card. */
export function startsWithDate(digits: string): boolean {
  return /^(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])/.test(digits);
}

export function isSsn(area: string, group: string, serial: string): boolean {
  return !/^(?:000|666|9\d\d)$/.test(area) && group !== "00" && serial !== "0000";
}

/** Keywords that make a bare 9-digit run a likely SSN. */
const SSN_CONTEXT = /(?:ssn|social[\s_-]*security|social[\s_-]*sec|tax[\s_-]*id|tin)\b[^0-9]{0,12}$/i;
const PHONE_CONTEXT = /(?:phone|mobile|cell|tel|fax|call|contact|whatsapp)[^0-9]{0,12}$/i;

/** A digit run stands alone: no letter or digit, nor a `1.` / `1-` continuation, on either side. */
const LEAD = "(?<![A-Za-z0-9])(?<![0-9][.-])";
const TAIL = "(?![A-Za-z0-9])(?![.-][0-9])";
const SSN_DASHED = new RegExp(`${LEAD}(\\d{3})-(\\d{2})-(\\d{4})${TAIL}`);
const SSN_PLAIN = new RegExp(`${LEAD}(\\d{3})[ ]?(\\d{2})[ ]?(\\d{4})${TAIL}`);
const CARD = new RegExp(`${LEAD}(?<!\\d[ -])\\d(?:[ -]?\\d){12,18}${TAIL}(?![ -]\\d)`);
const INTERNATIONAL_PHONE =
  /(?<![A-Za-z0-9+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){1,6}(?![A-Za-z0-9])(?![.-][0-9])/;
const NANP_FORMATTED = new RegExp(
  `${LEAD}(?:1[ .-]?)?(?:\\(\\d{3}\\)[ .-]?|\\d{3}[ .-])\\d{3}[ .-]\\d{4}${TAIL}`,
);
const NANP_BARE = new RegExp(`${LEAD}1?\\d{10}${TAIL}`);

export function detectNumbers(text: string, excluded: readonly Span[]): SensitiveMatch[] {
  const out: SensitiveMatch[] = [];
  const push = (kind: SensitiveKind, start: number, end: number) => {
    if (!overlapsAny(excluded, start, end)) out.push(at(kind, start, end));
  };

  for (const m of matchAll(text, SSN_DASHED)) {
    if (isSsn(m[1] ?? "", m[2] ?? "", m[3] ?? "")) push("us-ssn", m.index, m.index + m[0].length);
  }
  for (const m of matchAll(text, SSN_PLAIN)) {
    if (!SSN_CONTEXT.test(text.slice(Math.max(0, m.index - 30), m.index))) continue;
    if (isSsn(m[1] ?? "", m[2] ?? "", m[3] ?? "")) push("us-ssn", m.index, m.index + m[0].length);
  }

  // Card numbers: plain, or grouped with one consistent separator.
  for (const m of matchAll(text, CARD)) {
    const raw = m[0];
    const separators = new Set(raw.replace(/\d/g, ""));
    if (separators.size > 1) continue;
    if (separators.size === 1 && raw.split(/[ -]/).some((g) => g.length < 3 || g.length > 6)) continue;
    const digits = raw.replace(/\D/g, "");
    if (separators.size === 0 && startsWithDate(digits)) continue;
    if (isCardNumber(digits)) push("payment-card", m.index, m.index + raw.length);
  }

  // International numbers need a leading `+` and 8–15 digits.
  for (const m of matchAll(text, INTERNATIONAL_PHONE)) {
    const digits = m[0].replace(/\D/g, "");
    if (digits.length >= 8 && digits.length <= 15) push("phone", m.index, m.index + m[0].length);
  }
  // North American numbers with separators: (212) 555-0143, 212-555-0143, 1 212.555.0143.
  for (const m of matchAll(text, NANP_FORMATTED)) {
    const raw = m[0];
    const start = raw.startsWith("(") || text[m.index - 1] !== "(" ? m.index : m.index - 1;
    if (isNanp(raw.replace(/\D/g, ""))) push("phone", start, m.index + raw.length);
  }
  // Bare 10- or 11-digit runs are phone numbers when valid NANP and either formatted as such or named so.
  for (const m of matchAll(text, NANP_BARE)) {
    const digits = m[0];
    if (digits.length === 11 && !digits.startsWith("1")) continue;
    const named = PHONE_CONTEXT.test(text.slice(Math.max(0, m.index - 30), m.index));
    if (startsWithDate(digits)) continue;
    if (isNanp(digits) && (named || digits.length === 10)) push("phone", m.index, m.index + digits.length);
  }
  return out;
}
