import { defineControl, findingsFor } from "../domain/control.js";
import { describeCollectError } from "../domain/result.js";
import { forecastDataIn } from "./support/macie.js";
import { regionScopeTarget } from "./support/targets.js";

const meta = {
  id: "macie-enabled",
  title: "Amazon Macie is enabled where Forecast data is stored",
  severity: "medium",
  remediationId: "macie-enable",
} as const;

export const macieEnabled = defineControl({
  ...meta,
  service: "macie",
  requires: ["forecast.resources", "s3.bucketRegion", "macie.session"],
  scope: { kind: "regions" },
  guidance:
    "Macie console (in the Region named) → Get started → Enable Macie; or `aws macie2 enable-macie --region <region>`; if it is paused, `aws macie2 update-macie-session --status ENABLED`. Macie is billed per bucket monitored and per GB inspected; in an AWS Organization, enable it from the delegated administrator account instead.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    return account.regions.map((region) => {
      const target = regionScopeTarget(account, "macie2", region.region, "macie-region");
      const data = forecastDataIn(account, region);
      if (data.holds === false) {
        return findings.notApplicable(target, `${region.region} holds no Forecast data.`);
      }
      const session = region.macie.session;
      if (!session.ok) return findings.error(target, session.error);
      if (data.holds === "unknown" && session.value?.status !== "ENABLED") {
        // Macie is off here; whether that matters depends on data the scan could not list.
        const why = describeCollectError(data.error).replace(/^Could not evaluate: /, "");
        return findings.error(
          target,
          data.error,
          `Could not evaluate: Amazon Macie is not enabled in ${region.region}, and whether ${region.region} holds Forecast data is unknown: ${why}`,
        );
      }
      if (session.value === null) {
        return findings.fail(
          target,
          `Amazon Macie is not enabled in ${region.region}, which holds Forecast data.`,
        );
      }
      if (session.value.status !== "ENABLED") {
        return findings.fail(
          target,
          `Amazon Macie is ${session.value.status.toLowerCase()} in ${region.region}, which holds Forecast data.`,
        );
      }
      return findings.pass(target, `Amazon Macie is enabled in ${region.region}.`);
    });
  },
});
