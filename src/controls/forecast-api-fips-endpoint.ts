import { defineControl, findingsFor } from "../domain/control.js";
import { maskSensitive } from "../domain/sensitive.js";
import { evaluateRecordedCalls } from "./support/api-events.js";
import { regionScopeTarget } from "./support/targets.js";
import { listPhrase } from "./support/text.js";

const meta = {
  id: "forecast-api-fips-endpoint",
  title: "Forecast API calls use FIPS endpoints where FIPS is required",
  severity: "low",
} as const;

/** The regions where Forecast offers a FIPS endpoint. */
export const FIPS_REGIONS = ["us-east-1", "us-east-2", "us-west-2"];

export const forecastApiFipsEndpoint = defineControl({
  ...meta,
  service: "forecast",
  requires: ["cloudtrail.forecastEvents"],
  scope: { kind: "regions" },
  guidance:
    "Point the callers at the FIPS endpoint: set `AWS_USE_FIPS_ENDPOINT=true` (or `use_fips_endpoint = true` in ~/.aws/config) for SDKs and the CLI, or pass `--endpoint-url https://forecast-fips.<region>.amazonaws.com`. Find the callers in CloudTrail (Event history → Event source forecast.amazonaws.com → tlsDetails.clientProvidedHostHeader and userIdentity).",
  evaluate({ account, settings }) {
    const findings = findingsFor(meta);
    return account.regions
      .filter((region) => FIPS_REGIONS.includes(region.region))
      .map((region) => {
        const target = regionScopeTarget(account, "forecast", region.region, "forecast-region");
        if (!settings.requireFips)
          return findings.notApplicable(target, "FIPS is not required (requireFips: false).");
        return evaluateRecordedCalls(region, target, findings, {
          judged: (e) => e.hostHeader !== undefined,
          failing: (e) => !(e.hostHeader ?? "").toLowerCase().startsWith("forecast-fips."),
          pass: (all) => `${all} went to a forecast-fips endpoint.`,
          fail: (plain, of) => {
            const hosts = [...new Set(plain.map((e) => maskSensitive(e.hostHeader ?? "")))];
            return `${plain.length} of ${of} went to a non-FIPS endpoint (${listPhrase(hosts)}).`;
          },
        });
      });
  },
});
