import { defineControl, findingsFor } from "../domain/control.js";
import { maskSensitive } from "../domain/sensitive.js";
import { regionScopeTarget } from "./support/targets.js";
import { dateOf, listPhrase, plural } from "./support/text.js";

const meta = {
  id: "forecast-api-tls-1-2",
  title: "Forecast API calls use TLS 1.2 or later",
  severity: "medium",
} as const;

/** `TLSv1`, `TLSv1.1`, `SSLv3`: versions below TLS 1.2. Unknown strings are not judged. */
export function isBelowTls12(version: string): boolean {
  const match = /^(SSL|TLS)v?(\d+)(?:\.(\d+))?$/i.exec(version.trim());
  if (!match) return false;
  if (match[1]?.toUpperCase() === "SSL") return true;
  const major = Number(match[2]);
  const minor = Number(match[3] ?? 0);
  return major < 1 || (major === 1 && minor < 2);
}

export const forecastApiTls12 = defineControl({
  ...meta,
  service: "forecast",
  requires: ["cloudtrail.forecastEvents"],
  guidance:
    "Find the callers in CloudTrail (Event history → Event source forecast.amazonaws.com → open an event: tlsDetails.tlsVersion, userIdentity and sourceIPAddress), then upgrade their runtime, SDK or TLS library so that it negotiates TLS 1.2 or later (current AWS SDKs and AWS CLI v2 do; on old Java or .NET, enable TLS 1.2 in the runtime settings). Re-run the audit after the look-back window has passed.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    return account.regions.flatMap((region) => {
      const target = regionScopeTarget(account, "forecast", region.region, "forecast-region");
      if (!region.forecastApiEvents.ok) return [findings.error(target, region.forecastApiEvents.error)];
      const { events, since } = region.forecastApiEvents.value;
      const withTls = events.filter((e) => e.tlsVersion !== undefined);
      if (withTls.length === 0) return [];
      const old = withTls.filter((e) => isBelowTls12(e.tlsVersion ?? ""));
      const window = `since ${dateOf(since)}`;
      if (old.length === 0) {
        return [
          findings.pass(
            target,
            `All ${plural(withTls.length, "recorded Forecast API call")} in ${region.region} ${window} used TLS 1.2 or later.`,
          ),
        ];
      }
      const names = [...new Set(old.map((e) => maskSensitive(e.eventName)))];
      const versions = [...new Set(old.map((e) => maskSensitive(e.tlsVersion ?? "")))];
      return [
        findings.fail(
          target,
          `${old.length} of ${plural(withTls.length, "recorded Forecast API call")} in ${region.region} ${window} used ${listPhrase(versions)} (${listPhrase(names)}).`,
        ),
      ];
    });
  },
});
