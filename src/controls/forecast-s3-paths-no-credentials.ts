import { defineControl, findingsFor } from "../domain/control.js";
import { S3_PATH_TYPES } from "../domain/inventory.js";
import { describeResource, evaluateForecastResources } from "./support/forecast.js";
import { credentialsInPath, redactPath } from "./support/s3-path-credentials.js";
import { capitalize, listPhrase, plural, quotedPath } from "./support/text.js";

const meta = {
  id: "forecast-s3-paths-no-credentials",
  title: "Forecast S3 paths carry no credentials",
  severity: "high",
} as const;

export const forecastS3PathsNoCredentials = defineControl({
  ...meta,
  service: "forecast",
  requires: ["forecast.resources", "forecast.config"],
  scope: { kind: "forecast", types: S3_PATH_TYPES },
  guidance:
    "Forecast reads and writes S3 through the IAM role in S3Config.RoleArn, so a path needs no credentials. Rotate the exposed credential first (IAM console → Users → Security credentials → deactivate and delete the access key; or revoke the token), then recreate the job with a plain `s3://bucket/prefix/` path, and delete the old job (`aws forecast delete-…`).",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    return evaluateForecastResources(account, S3_PATH_TYPES, findings, ({ resource, target }) => {
      if (!resource.config.ok) return findings.error(target, resource.config.error);
      const locations = resource.config.value.s3;
      const name = describeResource(resource);
      // A forecast or explainability made without an S3 input, for instance.
      if (locations.length === 0)
        return findings.notApplicable(target, `${capitalize(name)} has no S3 path.`);
      const bad = locations
        .map((l) => ({ path: l.path, found: credentialsInPath(l.path) }))
        .filter((l) => l.found.length > 0);
      const first = bad[0];
      if (!first) {
        const subject = locations.length === 1 ? "The S3 path" : `All ${locations.length} S3 paths`;
        const verb = locations.length === 1 ? "carries" : "carry";
        return findings.pass(target, `${subject} of ${name} ${verb} no credentials.`);
      }
      const more = bad.length > 1 ? ` (and ${plural(bad.length - 1, "more path")})` : "";
      return findings.fail(
        target,
        `S3 path ${quotedPath(redactPath(first.path))} of ${name} carries ${listPhrase(first.found)}${more}.`,
      );
    });
  },
});
