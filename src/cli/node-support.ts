/**
 * Which Node.js this is, and what that means for a run: 24 LTS is the target, 22 is supported, and on an
 * end-of-life Node.js (20 and older) the CLI still runs what it can, after one notice. The AWS SDK would
 * otherwise print its own NodeVersionSupportWarning from every client; one notice is enough.
 */
export const SUPPORTED_NODE_MAJORS = [24, 22] as const;
export const MIN_SUPPORTED_NODE_MAJOR = 22;

export function nodeMajor(version: string): number {
  return Number(version.replace(/^v/, "").split(".")[0]);
}

/** The one notice for an end-of-life Node.js, or undefined on a supported one. */
export function endOfLifeNotice(version: string): string | undefined {
  if (nodeMajor(version) >= MIN_SUPPORTED_NODE_MAJOR) return undefined;
  return (
    `forecast-audit: Node.js ${version} is end of life; use Node.js 24 LTS (or 22). ` +
    "This command runs on, but the SQLite store (the default DATABASE_URL) needs Node.js 22 or later, " +
    "and AWS SDK releases from 2027 need it too.\n"
  );
}

/**
 * Prints the notice once per process tree (children inherit `FORECAST_AUDIT_NODE_NOTICE_SHOWN`) and silences
 * the SDK's repeated warning. Must run before any AWS SDK client is imported.
 */
export function announceEndOfLifeNode(
  env: NodeJS.ProcessEnv,
  version: string,
  write: (text: string) => void,
): void {
  const notice = endOfLifeNotice(version);
  if (notice === undefined) return;
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  if (env.FORECAST_AUDIT_NODE_NOTICE_SHOWN === "1") return;
  env.FORECAST_AUDIT_NODE_NOTICE_SHOWN = "1";
  write(notice);
}
