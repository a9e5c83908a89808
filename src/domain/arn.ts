/** ARN parsing and the scope ARNs used for account- and region-level findings. */
export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  resource: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  const [, partition, service, region, accountId] = parts as [string, string, string, string, string];
  return { partition, service, region, accountId, resource: parts.slice(5).join(":") };
}

// ---------------------------------------------------------------------------------------------------
// Which parts of an ARN people chose

/** A stretch of an ARN that people chose: a Forecast resource name, or other text (a bucket, a role path). */
export interface ArnNamePart {
  start: number;
  end: number;
  /** `forecast-name` is read with the resource-name rules (`[a-zA-Z][a-zA-Z0-9_]*`), `text` as free text. */
  kind: "forecast-name" | "text";
}

const PARTITION = /^aws(?:-[a-z]+)*$/;
const SERVICE = /^[a-z0-9-]+$/;
const REGION_PART = /^(?:[a-z]{2}(?:-[a-z]+)+-\d)?$/;
/** 12 digits, none (S3, IAM's global parts), or `aws` (AWS managed policies). */
const ACCOUNT_PART = /^(?:\d{12}|aws)?$/;
const UUID_ONLY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A KMS key id: a UUID, or `mrk-` and 32 hex digits for a multi-Region key. AWS generates both. */
const KMS_KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/i;

/** The resource types of Forecast ARNs (`dataset-group/NAME`, `dataset-import-job/DATASET/JOB`, …). */
const FORECAST_ARN_TYPES = new Set([
  "algorithm",
  "dataset-group",
  "dataset",
  "dataset-import-job",
  "predictor",
  "predictor-backtest-export-job",
  "forecast",
  "forecast-export-job",
  "explainability",
  "explainability-export",
  "what-if-analysis",
  "what-if-forecast",
  "what-if-forecast-export",
  "monitor",
]);

/** IAM and STS resource types whose rest (path and name) people chose. */
const IAM_TYPES = new Set([
  "role",
  "user",
  "group",
  "policy",
  "instance-profile",
  "server-certificate",
  "mfa",
  "saml-provider",
  "oidc-provider",
  "assumed-role",
  "federated-user",
]);

/** The offsets of an ARN's five separators, when it has the shape of one with well-formed fixed parts. */
function arnLayout(arn: string): { service: string; resourceStart: number } | undefined {
  if (!arn.startsWith("arn:")) return undefined;
  const colons: number[] = [];
  for (let i = 0; i < arn.length && colons.length < 5; i++) if (arn[i] === ":") colons.push(i);
  if (colons.length < 5) return undefined;
  const [c0, c1, c2, c3, c4] = colons as [number, number, number, number, number];
  const partition = arn.slice(c0 + 1, c1);
  const service = arn.slice(c1 + 1, c2);
  const region = arn.slice(c2 + 1, c3);
  const account = arn.slice(c3 + 1, c4);
  if (!PARTITION.test(partition) || !SERVICE.test(service)) return undefined;
  if (!REGION_PART.test(region) || !ACCOUNT_PART.test(account)) return undefined;
  return { service, resourceStart: c4 + 1 };
}

function segments(text: string, offset: number, separator: RegExp): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  let start = 0;
  for (const m of text.matchAll(new RegExp(separator.source, "g"))) {
    out.push({ start: offset + start, end: offset + m.index });
    start = m.index + m[0].length;
  }
  out.push({ start: offset + start, end: offset + text.length });
  return out.filter((s) => s.end > s.start);
}

/**
 * Where in `arn` the text people chose is, per ARN type; undefined when `arn` is not an ARN. Partition,
 * service, region, account, the resource type (`dataset/`, `key/`, `role/`) and identifiers AWS generates
 * (KMS key ids) are never part of the answer, so no detector ever reads them.
 */
export function arnNameParts(arn: string): ArnNamePart[] | undefined {
  const layout = arnLayout(arn);
  if (!layout) return undefined;
  const start = layout.resourceStart;
  const resource = arn.slice(start);
  if (resource === "" || resource === "*") return [];
  const slash = resource.indexOf("/");
  const type = slash < 0 ? resource : resource.slice(0, slash);
  const rest = slash < 0 ? "" : resource.slice(slash + 1);
  const restStart = start + slash + 1;
  const text = (from: number, to: number): ArnNamePart[] =>
    to > from ? [{ start: from, end: to, kind: "text" }] : [];
  switch (layout.service) {
    case "forecast": {
      if (!FORECAST_ARN_TYPES.has(type) || slash < 0) {
        return segments(resource, start, /[/:]/).map((s) => ({ ...s, kind: "forecast-name" }));
      }
      return segments(rest, restStart, /\//).map((s) => ({ ...s, kind: "forecast-name" }));
    }
    case "kms":
      if (type === "key" && KMS_KEY_ID.test(rest)) return [];
      if (type === "alias" || type === "key") return text(restStart, arn.length);
      return text(start, arn.length);
    case "s3":
      // `bucket` or `bucket/key`: the two are read apart, so a secret in the key never takes the bucket with it.
      if (slash < 0) return text(start, arn.length);
      return [...text(start, start + slash), ...text(restStart, arn.length)];
    case "iam":
    case "sts":
      if (resource === "root") return [];
      if (IAM_TYPES.has(type) && slash >= 0) return text(restStart, arn.length);
      return text(start, arn.length);
    case "cloudtrail":
      if (type === "trail" && slash >= 0) return text(restStart, arn.length);
      return text(start, arn.length);
    default:
      // Unknown services: everything but the UUIDs AWS generates is read as text.
      return segments(resource, start, /[/:]/)
        .filter((s) => !UUID_ONLY.test(arn.slice(s.start, s.end)))
        .map((s) => ({ ...s, kind: "text" }));
  }
}

/** `arn:aws:cloudtrail:us-east-1:123456789012:*`: a whole service in one account and region. */
export function scopeArn(partition: string, service: string, accountId: string, region: string): string {
  return `arn:${partition}:${service}:${region === "global" ? "" : region}:${accountId}:*`;
}

export function bucketArn(partition: string, bucket: string): string {
  return `arn:${partition}:s3:::${bucket}`;
}

/** An S3 URL in its parts: `s3://[userinfo@]bucket[/key][?query]`. */
export interface S3UrlParts {
  /** `s3://` as written (also `s3a://`, `s3n://`). */
  scheme: string;
  /** What comes before the bucket and its `@` (credentials), when present. */
  userinfo?: string;
  bucket: string;
  /** Everything after the bucket, starting with `/`, `?` or `#` (empty when none). */
  rest: string;
}

/**
 * Splits an S3 URL; undefined when `path` is not one. Credentials before the bucket are found even when a
 * secret key in them holds a `/` (`s3://AKIA…:wJal/rX…@bucket/key`), which a URL parser would read as a path.
 */
export function splitS3Url(path: string): S3UrlParts | undefined {
  const m = /^(s3[an]?:\/\/)([\s\S]*)$/i.exec(path);
  if (!m) return undefined;
  const scheme = m[1] ?? "";
  const after = m[2] ?? "";
  const userinfo =
    /^[^/?#@]*@/.exec(after)?.[0] ??
    // `user:secret@bucket` where the secret holds `/`: the colon comes before any slash.
    /^[^/?#@:]*:[^?#@]*@/.exec(after)?.[0];
  const hostAndRest = userinfo ? after.slice(userinfo.length) : after;
  const end = hostAndRest.search(/[/?#]/);
  const bucket = end < 0 ? hostAndRest : hostAndRest.slice(0, end);
  const parts: S3UrlParts = { scheme, bucket, rest: end < 0 ? "" : hostAndRest.slice(end) };
  if (userinfo) parts.userinfo = userinfo.slice(0, -1);
  return parts;
}

/** The bucket part of `s3://bucket/prefix`; undefined when the path is not an S3 URL. */
export function bucketOfS3Path(path: string): string | undefined {
  const parts = splitS3Url(path.trim());
  if (!parts?.bucket) return undefined;
  return parts.bucket.toLowerCase();
}

/**
 * Normalises a KMS key reference to an ARN: key ids and `alias/…` names are resolved against the region and
 * account they were configured in. `account.keys` is keyed by this normalised form.
 */
export function normalizeKeyRef(
  ref: string,
  scope: { partition: string; region: string; accountId: string },
): string {
  const trimmed = ref.trim();
  if (trimmed.startsWith("arn:")) return trimmed;
  const resource = trimmed.startsWith("alias/") ? trimmed : `key/${trimmed}`;
  return `arn:${scope.partition}:kms:${scope.region}:${scope.accountId}:${resource}`;
}
