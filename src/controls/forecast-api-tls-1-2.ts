import { defineControl, findingsFor } from "../domain/control.js";
import { maskSensitive } from "../domain/sensitive.js";
import { evaluateRecordedCalls } from "./support/api-events.js";
import { regionScopeTarget } from "./support/targets.js";
import { listPhrase } from "./support/text.js";

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
  scope: { kind: "regions" },
  guidance:
    "Find the callers in CloudTrail (Event history → Event source forecast.amazonaws.com → open an event: tlsDetails.tlsVersion, userIdentity and sourceIPAddress), then upgrade their runtime, SDK or TLS library so that it negotiates TLS 1.2 or later (current AWS SDKs and AWS CLI v2 do; on old Java or .NET, enable TLS 1.2 in the runtime settings). Re-run the audit after the look-back window has passed.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    return account.regions.map((region) =>
      evaluateRecordedCalls(
        region,
        regionScopeTarget(account, "forecast", region.region, "forecast-region"),
        findings,
        {
          judged: (e) => e.tlsVersion !== undefined,
          failing: (e) => isBelowTls12(e.tlsVersion ?? ""),
          pass: (all) => `${all} used TLS 1.2 or later.`,
          fail: (old, of) => {
            const names = [...new Set(old.map((e) => maskSensitive(e.eventName)))];
            const versions = [...new Set(old.map((e) => maskSensitive(e.tlsVersion ?? "")))];
            return `${old.length} of ${of} used ${listPhrase(versions)} (${listPhrase(names)}).`;
          },
        },
      ),
    );
  },
});
