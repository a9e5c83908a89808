/**
 * The pino logger. `redact` is set once here for tokens, credentials and tag values, so that no child
 * logger can leak them; child loggers carry `scanId`, `accountId`, `requestId`.
 */
import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";

export type { Logger } from "pino";

export const REDACT_PATHS = [
  "token",
  "botToken",
  "appToken",
  "signingSecret",
  "password",
  "secret",
  "credentials",
  "authorization",
  "headers.authorization",
  "headers.cookie",
  "headers['x-slack-signature']",
  "*.token",
  "*.botToken",
  "*.appToken",
  "*.signingSecret",
  "*.password",
  "*.secret",
  "*.credentials",
  "*.accessKeyId",
  "*.secretAccessKey",
  "*.sessionToken",
  "*.SecretAccessKey",
  "*.SessionToken",
  "*.authorization",
  "tags",
  "*.tags",
  "*.Tags",
  "tagValue",
  "*.tagValue",
  "priorState",
  "*.priorState",
];

export interface LoggerSettings {
  level?: string;
  /** Where to write; stderr by default so that stdout stays the command's output. */
  destination?: DestinationStream;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? process.env.LOG_LEVEL ?? "info",
    base: { app: "forecast-audit" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return pino(options, settings.destination ?? pino.destination({ fd: 2, sync: false }));
}
