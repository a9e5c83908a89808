/** What in an S3 path counts as a credential: the forms a presigned or hand-built URL carries. */
import { splitS3Url } from "../../domain/arn.js";
import { containsAccessKeyId, detectSensitive } from "../../domain/sensitive.js";

const PARAMETERS: [RegExp, string][] = [
  [/[?&;/]x-amz-credential=/i, "an X-Amz-Credential parameter"],
  [/[?&;/]x-amz-signature=/i, "an X-Amz-Signature parameter"],
  [/[?&;/]x-amz-security-token=/i, "an X-Amz-Security-Token parameter"],
  [/[?&;/]awsaccesskeyid=/i, "an AWSAccessKeyId parameter"],
  [/[?&;/](?:access_)?token=/i, "a token parameter"],
  [/[?&;/](?:sig|signature)=/i, "a signature parameter"],
  [/[?&;/](?:password|passwd|pwd|secret)=/i, "a password parameter"],
];

/** Each kind of credential that `path` carries, as a phrase ("an X-Amz-Signature parameter"). */
export function credentialsInPath(path: string): string[] {
  const found: string[] = [];
  const url = splitS3Url(path.trim());
  if (url?.userinfo !== undefined || /^[a-z0-9+.-]+:\/\/[^/?#]*@/i.test(path.trim()))
    found.push("user credentials before the bucket name (user:pass@)");
  if (containsAccessKeyId(path)) found.push("an AWS access key id");
  for (const [re, label] of PARAMETERS) if (re.test(path)) found.push(label);
  if (
    found.length === 0 &&
    detectSensitive(path).some((m) => m.kind === "secret" || m.kind === "aws-access-key")
  ) {
    found.push("a secret or token");
  }
  return found;
}

/** The path for a sentence: user info, query values and anything sensitive replaced. */
export function redactPath(path: string): string {
  const url = splitS3Url(path);
  const plain = url?.userinfo !== undefined ? `${url.scheme}[secret]@${url.bucket}${url.rest}` : path;
  return plain
    .replace(/^([a-z0-9+.-]+:\/\/)[^/?#]*@/i, "$1[secret]@")
    .replace(/([?&;][^=&;#]+=)[^&;#]*/g, "$1[secret]");
}
