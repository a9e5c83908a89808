import { defineControl, findingsFor } from "../domain/control.js";
import { holdsForecastData } from "./support/macie.js";
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
  guidance:
    "Macie console (in the Region named) → Get started → Enable Macie; or `aws macie2 enable-macie --region <region>`; if it is paused, `aws macie2 update-macie-session --status ENABLED`. Macie is billed per bucket monitored and per GB inspected; in an AWS Organization, enable it from the delegated administrator account instead.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    return account.regions
      .filter((region) => holdsForecastData(account, region))
      .map((region) => {
        const target = regionScopeTarget(account, "macie2", region.region, "macie-region");
        const session = region.macie.session;
        if (!session.ok) return findings.error(target, session.error);
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
