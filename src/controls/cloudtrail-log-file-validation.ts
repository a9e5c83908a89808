import { defineControl, findingsFor } from "../domain/control.js";
import { quoted } from "./support/text.js";
import { evaluateEveryTrail } from "./support/trails.js";

const meta = {
  id: "cloudtrail-log-file-validation",
  title: "CloudTrail trails validate their log files",
  severity: "low",
  remediationId: "cloudtrail-enable-log-validation",
} as const;

export const cloudtrailLogFileValidation = defineControl({
  ...meta,
  service: "cloudtrail",
  requires: ["cloudtrail.trails"],
  scope: { kind: "trails" },
  guidance:
    "CloudTrail console → Trails → the trail → General details → Edit → Log file validation: Enabled; or `aws cloudtrail update-trail --name <trail> --enable-log-file-validation` (run it in the trail's home Region). Validate later with `aws cloudtrail validate-logs`.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    return evaluateEveryTrail(account, findings, (trail, target) => {
      const name = `Trail ${quoted(trail.name)}`;
      return trail.logFileValidationEnabled
        ? findings.pass(target, `${name} validates its log files.`)
        : findings.fail(target, `${name} does not validate its log files, so tampering would go unnoticed.`);
    });
  },
});
