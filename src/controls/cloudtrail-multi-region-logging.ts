import { defineControl, findingsFor } from "../domain/control.js";
import { regionScopeTarget } from "./support/targets.js";
import { capitalize } from "./support/text.js";
import { regionTrailVerdict } from "./support/trails.js";

const meta = {
  id: "cloudtrail-multi-region-logging",
  title: "A multi-region CloudTrail trail logs all management events",
  severity: "high",
  remediationId: "cloudtrail-enable",
} as const;

export const cloudtrailMultiRegionLogging = defineControl({
  ...meta,
  service: "cloudtrail",
  requires: ["cloudtrail.trails", "cloudtrail.trailStatus", "cloudtrail.eventSelectors"],
  scope: { kind: "regions" },
  guidance:
    'CloudTrail console → Trails → Create trail (or edit the existing one): apply to all Regions, management events Read and Write, log file validation on, SSE-KMS with a customer-managed key, then start logging. CLI: `aws cloudtrail create-trail --name <name> --s3-bucket-name <log bucket> --is-multi-region-trail --enable-log-file-validation --kms-key-id <key>`, `aws cloudtrail put-event-selectors --trail-name <name> --event-selectors \'[{"ReadWriteType":"All","IncludeManagementEvents":true}]\'`, `aws cloudtrail start-logging --name <name>`.',
  evaluate({ account }) {
    const findings = findingsFor(meta);
    return account.regions.map((region) => {
      const target = regionScopeTarget(account, "cloudtrail", region.region, "cloudtrail-region");
      if (!region.trailArns.ok) return findings.error(target, region.trailArns.error);
      const verdict = regionTrailVerdict(account, region.trailArns.value);
      if (verdict.status === "error") return findings.error(target, verdict.error);
      if (verdict.status === "pass")
        return findings.pass(target, `${capitalize(verdict.reason)} in ${region.region}.`);
      return findings.fail(
        target,
        `No multi-region trail logs all management events in ${region.region}: ${verdict.reason}.`,
      );
    });
  },
});
