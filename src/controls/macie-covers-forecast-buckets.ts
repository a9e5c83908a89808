import { defineControl, findingsFor } from "../domain/control.js";
import { bucketRegion, presentBuckets } from "./support/buckets.js";
import { referenceScopeErrors } from "./support/scope.js";
import { bucketTarget } from "./support/targets.js";
import { quoted } from "./support/text.js";

const meta = {
  id: "macie-covers-forecast-buckets",
  title: "Macie looks for sensitive data in every Forecast bucket",
  severity: "low",
} as const;

export const macieCoversForecastBuckets = defineControl({
  ...meta,
  service: "macie",
  requires: ["s3.bucketRegion", "macie.session", "macie.automatedDiscovery", "macie.classificationJobs"],
  scope: { kind: "references", of: "bucket" },
  guidance:
    'Macie console (in the bucket\'s Region) → Automated sensitive data discovery → Enable (`aws macie2 update-automated-discovery-configuration --status ENABLED`); or Jobs → Create job → Select specific buckets → the Forecast buckets, on a schedule (`aws macie2 create-classification-job --job-type SCHEDULED --s3-job-definition \'{"bucketDefinitions":[{"accountId":"<account>","buckets":["<bucket>"]}]}\' …`).',
  evaluate({ account }) {
    const findings = findingsFor(meta);
    const verdicts = presentBuckets(account).flatMap((bucket) => {
      const name = `Bucket ${quoted(bucket.name)}`;
      if (!bucket.region.ok)
        return [
          findings.error(
            bucketTarget(account, bucket.name, bucketRegion(account, bucket)),
            bucket.region.error,
          ),
        ];
      const regionName = bucket.region.value;
      const region = account.regions.find((r) => r.region === regionName);
      const target = bucketTarget(account, bucket.name, regionName);
      if (!region) {
        return [
          findings.error(target, {
            code: "RegionNotScanned",
            message: `${regionName} is not among the scanned regions, so its Macie state was not read; add it to regions`,
            action: "macie2:GetMacieSession",
          }),
        ];
      }
      const { session, automatedDiscovery, classificationJobs } = region.macie;
      if (!session.ok) return [findings.error(target, session.error)];
      if (session.value?.status !== "ENABLED") {
        return [
          findings.fail(target, `${name} is not scanned: Amazon Macie is not enabled in ${regionName}.`),
        ];
      }
      if (automatedDiscovery.ok && automatedDiscovery.value?.status === "ENABLED") {
        return [
          findings.pass(
            target,
            `${name} is covered by Macie automated sensitive data discovery in ${regionName}.`,
          ),
        ];
      }
      if (classificationJobs.ok) {
        const ref = `${account.accountId}/${bucket.name}`;
        const job = classificationJobs.value.find(
          (j) => j.status !== "CANCELLED" && !j.matchesByCriteria && j.buckets.includes(ref),
        );
        if (job)
          return [
            findings.pass(target, `${name} is covered by Macie classification job ${quoted(job.name)}.`),
          ];
      }
      if (!automatedDiscovery.ok) return [findings.error(target, automatedDiscovery.error)];
      if (!classificationJobs.ok) return [findings.error(target, classificationJobs.error)];
      const criteria = classificationJobs.value.some((j) => j.matchesByCriteria && j.status !== "CANCELLED");
      const note = criteria
        ? "; criteria-based jobs are not counted, since which buckets they match cannot be checked"
        : "";
      return [
        findings.fail(
          target,
          `${name} is not covered: Macie automated discovery is off in ${regionName} and no classification job names the bucket${note}.`,
        ),
      ];
    });
    return [...referenceScopeErrors(account, "bucket", "macie", findings), ...verdicts];
  },
});
