import { defineControl, findingsFor } from "../domain/control.js";
import { maskSensitive } from "../domain/sensitive.js";
import { regionScopeTarget } from "./support/targets.js";
import { dateOf, listPhrase, plural } from "./support/text.js";

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
  guidance:
    "Point the callers at the FIPS endpoint: set `AWS_USE_FIPS_ENDPOINT=true` (or `use_fips_endpoint = true` in ~/.aws/config) for SDKs and the CLI, or pass `--endpoint-url https://forecast-fips.<region>.amazonaws.com`. Find the callers in CloudTrail (Event history → Event source forecast.amazonaws.com → tlsDetails.clientProvidedHostHeader and userIdentity).",
  evaluate({ account, settings }) {
    if (!settings.requireFips) return [];
    const findings = findingsFor(meta);
    return account.regions
      .filter((region) => FIPS_REGIONS.includes(region.region))
      .flatMap((region) => {
        const target = regionScopeTarget(account, "forecast", region.region, "forecast-region");
        if (!region.forecastApiEvents.ok) return [findings.error(target, region.forecastApiEvents.error)];
        const { events, since } = region.forecastApiEvents.value;
        const withHost = events.filter((e) => e.hostHeader !== undefined);
        if (withHost.length === 0) return [];
        const plain = withHost.filter(
          (e) => !(e.hostHeader ?? "").toLowerCase().startsWith("forecast-fips."),
        );
        const window = `since ${dateOf(since)}`;
        if (plain.length === 0) {
          return [
            findings.pass(
              target,
              `All ${plural(withHost.length, "recorded Forecast API call")} in ${region.region} ${window} went to a forecast-fips endpoint.`,
            ),
          ];
        }
        const hosts = [...new Set(plain.map((e) => maskSensitive(e.hostHeader ?? "")))];
        return [
          findings.fail(
            target,
            `${plain.length} of ${plural(withHost.length, "recorded Forecast API call")} in ${region.region} ${window} went to a non-FIPS endpoint (${listPhrase(hosts)}).`,
          ),
        ];
      });
  },
});
