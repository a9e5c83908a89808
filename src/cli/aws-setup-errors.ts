/**
 * Turns the AWS SDK's set-up errors into messages a newcomer can act on: what was tried, and the three ways
 * forward (credentials or a profile, a saved inventory, the demo). Other errors pass through unchanged.
 */
import { CliError } from "./errors.js";

function isMissingCredentials(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === "CredentialsProviderError" ||
    /Could not load credentials from any providers/i.test(error.message)
  );
}

export function explainAwsSetupError(error: unknown, env: NodeJS.ProcessEnv): unknown {
  if (!isMissingCredentials(error)) return error;
  const profile = env.AWS_PROFILE ? `profile "${env.AWS_PROFILE}"` : 'the "default" profile';
  return new CliError(
    [
      "no AWS credentials found.",
      `  Tried: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ${profile} in ~/.aws/config and ~/.aws/credentials (static keys, SSO, credential_process), web identity (AWS_WEB_IDENTITY_TOKEN_FILE), the ECS container endpoint and EC2 instance metadata.`,
      "  Then either:",
      "    - name a configured profile: AWS_PROFILE=my-profile (after `aws configure` or `aws sso login --profile my-profile`), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY;",
      "    - evaluate a saved inventory without AWS: scan --inventory FILE (made by `collect --out FILE` where credentials exist);",
      "    - or see what the audit reports on the shipped demo account: npm run demo",
    ].join("\n"),
  );
}

export function regionDefaultedWarning(region: string): string {
  return (
    `forecast-audit: warning: no region configured (--region, regions: in the configuration, AWS_REGION, ` +
    `or the profile's region), so only ${region} is scanned.\n`
  );
}
