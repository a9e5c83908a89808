import { defineControl, findingsFor } from "../domain/control.js";
import { regionScopeTarget } from "./support/targets.js";
import { quoted } from "./support/text.js";
import { qualifyingTrails, trailTarget, undecidedTrailRegions } from "./support/trails.js";

const meta = {
  id: "cloudtrail-log-file-validation",
  title: "The multi-region trail validates its log files",
  severity: "low",
  remediationId: "cloudtrail-enable-log-validation",
} as const;

export const cloudtrailLogFileValidation = defineControl({
  ...meta,
  service: "cloudtrail",
  requires: ["cloudtrail.trails", "cloudtrail.trailStatus", "cloudtrail.eventSelectors"],
  guidance:
    "CloudTrail console → Trails → the trail → General details → Edit → Log file validation: Enabled; or `aws cloudtrail update-trail --name <trail> --enable-log-file-validation` (run it in the trail's home Region). Validate later with `aws cloudtrail validate-logs`.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    const trails = qualifyingTrails(account);
    if (trails.length === 0) {
      return undecidedTrailRegions(account).map(({ region, error }) =>
        findings.error(regionScopeTarget(account, "cloudtrail", region, "cloudtrail-region"), error),
      );
    }
    return trails.map((trail) => {
      const target = trailTarget(account, trail);
      const name = `Trail ${quoted(trail.name)}`;
      return trail.logFileValidationEnabled
        ? findings.pass(target, `${name} validates its log files.`)
        : findings.fail(target, `${name} does not validate its log files, so tampering would go unnoticed.`);
    });
  },
});
