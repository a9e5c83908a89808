import { bucketOfS3Path } from "../domain/arn.js";
import { defineControl, findingsFor } from "../domain/control.js";
import type { AccountInventory, S3Location } from "../domain/inventory.js";
import { bucketDefaultCmkVerdict } from "./support/buckets.js";
import {
  DESCRIBE_ACTIONS,
  describeResource,
  EXPORT_TYPES,
  evaluateForecastResources,
} from "./support/forecast.js";
import { customerKeyVerdict } from "./support/keys.js";
import { capitalize, quoted, quotedPath } from "./support/text.js";
import {
  allOf,
  anyOf,
  error,
  fail,
  notCollected,
  pass,
  type Verdict,
  verdictFinding,
} from "./support/verdict.js";

const meta = {
  id: "forecast-export-encrypted-with-cmk",
  title: "Forecast exports are written with a customer-managed KMS key",
  severity: "medium",
} as const;

export const forecastExportEncryptedWithCmk = defineControl({
  ...meta,
  service: "forecast",
  requires: [
    "forecast.resources",
    "forecast.config",
    "kms.keyMetadata",
    "s3.bucketRegion",
    "s3.bucketEncryption",
  ],
  scope: { kind: "forecast", types: EXPORT_TYPES },
  guidance:
    "Either make the destination bucket encrypt new objects with a customer-managed key (S3 console → bucket → Properties → Default encryption → SSE-KMS, or `aws s3api put-bucket-encryption`), or run future exports with `--destination S3Config={Path=…,RoleArn=…,KMSKeyArn=<customer-managed key ARN>}`. Re-export existing results, since objects already written keep their old encryption.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    return evaluateForecastResources(account, EXPORT_TYPES, findings, ({ region, resource, target }) => {
      if (!resource.config.ok) return findings.error(target, resource.config.error);
      const destinations = resource.config.value.s3.filter((s) => s.usage === "destination");
      if (destinations.length === 0) {
        const missing = notCollected(
          `The S3 destination of ${resource.arn}`,
          DESCRIBE_ACTIONS[resource.type],
        );
        return findings.error(target, missing);
      }
      const verdict = allOf(destinations.map((d) => destinationVerdict(account, region, d)));
      const name = capitalize(describeResource(resource));
      return verdictFinding(findings, target, verdict, (reason) => `${name} ${reason}.`);
    });
  },
});

function destinationVerdict(account: AccountInventory, region: string, destination: S3Location): Verdict {
  const path = quotedPath(destination.path);
  const own: Verdict = destination.kmsKeyArn
    ? customerKeyVerdict(account, destination.kmsKeyArn, region)
    : fail("no S3Config.KMSKeyArn");
  if (own.status === "pass") return pass(`writes to ${path} with S3Config.KMSKeyArn set to ${own.reason}`);

  const bucketName = bucketOfS3Path(destination.path);
  const bucket = bucketName === undefined ? undefined : account.buckets[bucketName];
  let byBucket: Verdict;
  if (bucketName === undefined) byBucket = fail("is not an S3 location");
  else if (!bucket) byBucket = error(notCollected(`Bucket ${bucketName}`, "s3:GetEncryptionConfiguration"));
  else byBucket = bucketDefaultCmkVerdict(account, bucket);

  const label = bucketName === undefined ? path : `bucket ${quoted(bucketName)}`;
  if (byBucket.status === "pass") return pass(`writes to ${label}, which ${byBucket.reason}`);
  const verdict = anyOf([own, byBucket]);
  if (verdict.status === "error") return verdict;
  const ownReason = destination.kmsKeyArn
    ? "with an AWS managed S3Config.KMSKeyArn"
    : "without S3Config.KMSKeyArn";
  return fail(
    `writes to ${path} ${ownReason}, and ${label} ${byBucket.status === "fail" ? byBucket.reason : ""}`,
  );
}
