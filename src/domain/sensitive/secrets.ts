/** Secrets and keys: private keys, URL credentials, `name=value` assignments, bearer tokens, known token formats, AWS access key ids and long random strings. */
import { at, matchAll, type SensitiveMatch } from "./kinds.js";

// Patterns live at module level: `matchAll` keeps one global twin per pattern object, and a regex literal
// inside a function would be a new object on every call.
const PRIVATE_KEY =
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*$)/;
const URL_CREDENTIALS = /(?<=[a-z0-9+.-]:\/\/)[^\s/?#@]+@(?=[^\s/?#@])/i;
const BEARER = /(?<![a-z0-9])(bearer|basic)\s+([A-Za-z0-9\-._~+/]{8,}=*)/i;
const LONG_TOKEN = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{20,}={0,2}(?![A-Za-z0-9+/=_-])/;

export function detectPrivateKeys(text: string): SensitiveMatch[] {
  return matchAll(text, PRIVATE_KEY).map((m) => at("secret", m.index, m.index + m[0].length));
}

/** `scheme://user:password@host` and `s3://user@bucket`: everything between `//` and `@`. */
export function detectUrlCredentials(text: string): SensitiveMatch[] {
  return matchAll(text, URL_CREDENTIALS).map((m) => at("secret", m.index, m.index + m[0].length - 1));
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
export function detectAssignments(text: string): SensitiveMatch[] {
  const out: SensitiveMatch[] = [];
  for (const m of matchAll(text, ASSIGNMENT)) {
    const value = m[2] ?? "";
    if (value.length < 3 || PLACEHOLDER.test(value)) continue;
    const end = m.index + m[0].length;
    out.push(at("secret", end - value.length, end));
  }
  return out;
}

export function detectBearer(text: string): SensitiveMatch[] {
  const out: SensitiveMatch[] = [];
  for (const m of matchAll(text, BEARER)) {
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

export function detectKnownTokens(text: string): SensitiveMatch[] {
  return KNOWN_TOKENS.flatMap((re) =>
    matchAll(text, re).map((m) => at("secret", m.index, m.index + m[0].length)),
  );
}

const ACCESS_KEY_ID = /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Z0-9])/;

export function containsAccessKeyId(text: string): boolean {
  return ACCESS_KEY_ID.test(text);
}

export function detectAccessKeys(text: string): SensitiveMatch[] {
  return matchAll(text, ACCESS_KEY_ID).map((m) => at("aws-access-key", m.index, m.index + m[0].length));
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
export function detectHighEntropy(text: string): SensitiveMatch[] {
  const out: SensitiveMatch[] = [];
  for (const m of matchAll(text, LONG_TOKEN)) {
    const token = m[0];
    const core = token.replace(/=+$/, "");
    if (characterClasses(core) < 3) continue;
    const isSecretKeyShape = core.length === 40 && /^[A-Za-z0-9+/]{40}$/.test(core);
    // Random base64 has many of each letter case; CamelCase paths and words have few capitals.
    if (count(core, /[A-Z]/g) < 8 || count(core, /[a-z]/g) < 8) continue;
    if (!isSecretKeyShape) {
      // Paths and snake_case names are made of short readable parts; a random token is one long part.
      const longest = core.split(/[/_-]+/).reduce((m, w) => Math.max(m, w.length), 0);
      if (core.length < 24 || longest < 16) continue;
    }
    const threshold = isSecretKeyShape ? 4.2 : core.length >= 32 ? 4.5 : 4.3;
    if (shannonEntropy(core) < threshold) continue;
    if (ACCESS_KEY_ID.test(core) && core.length === 20) continue;
    out.push(at("secret", m.index, m.index + token.length));
  }
  return out;
}
