/**
 * Bolt's (and its Web API client's) logger, written through pino. Bolt logs free-form strings, sometimes
 * whole request bodies at debug level, so tokens and secrets are scrubbed from the text here; pino's own
 * `redact` only covers structured fields.
 */
import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { Logger } from "pino";
import { maskSensitive } from "../domain/sensitive.js";

const SECRET_PATTERNS: readonly [RegExp, string][] = [
  [/xox[abposre]-[A-Za-z0-9-]+/g, "[redacted-token]"],
  [/xapp-[A-Za-z0-9-]+/g, "[redacted-token]"],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, "$1[redacted]"],
  [
    /("?(?:token|signing_?secret|client_secret|app_token|bot_token)"?\s*[:=]\s*"?)[^"&\s,}]+/gi,
    "$1[redacted]",
  ],
  [/(x-slack-signature"?\s*[:=]\s*"?)v0=[a-f0-9]+/gi, "$1[redacted]"],
  [/(response_url"?\s*[:=]\s*"?)[^"&\s,}]+/gi, "$1[redacted]"],
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return maskSensitive(out);
}

function render(parts: unknown[]): string {
  return parts
    .map((part) => {
      if (typeof part === "string") return part;
      if (part instanceof Error) return `${part.name}: ${part.message}`;
      try {
        return JSON.stringify(part);
      } catch {
        return String(part);
      }
    })
    .join(" ");
}

const TO_PINO: Record<LogLevel, string> = {
  [LogLevel.DEBUG]: "debug",
  [LogLevel.INFO]: "info",
  [LogLevel.WARN]: "warn",
  [LogLevel.ERROR]: "error",
};

function toBolt(level: string): LogLevel {
  if (level === "trace" || level === "debug") return LogLevel.DEBUG;
  if (level === "info") return LogLevel.INFO;
  if (level === "warn") return LogLevel.WARN;
  return LogLevel.ERROR;
}

export function createBoltLogger(base: Logger): BoltLogger {
  let logger = base.child({ component: "slack" });
  const write = (level: "debug" | "info" | "warn" | "error", parts: unknown[]) => {
    if (!logger.isLevelEnabled(level)) return;
    const error = parts.find((p): p is Error => p instanceof Error);
    const message = redactSecrets(render(parts));
    // A plain object under `error`, not `err`: pino's error serializer would copy every own property raw.
    if (error) logger[level]({ error: { name: error.name, message: redactSecrets(error.message) } }, message);
    else logger[level](message);
  };
  return {
    debug: (...parts: unknown[]) => write("debug", parts),
    info: (...parts: unknown[]) => write("info", parts),
    warn: (...parts: unknown[]) => write("warn", parts),
    error: (...parts: unknown[]) => write("error", parts),
    setLevel(level: LogLevel) {
      logger.level = TO_PINO[level] ?? "info";
    },
    getLevel: () => toBolt(logger.level),
    setName(name: string) {
      logger = base.child({ component: "slack", name });
    },
  };
}
