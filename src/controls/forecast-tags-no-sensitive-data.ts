import { defineControl, findingsFor } from "../domain/control.js";
import { FORECAST_RESOURCE_TYPES } from "../domain/inventory.js";
import { describeSensitiveKinds, detectSensitiveTag } from "../domain/sensitive.js";
import { describeResource, evaluateForecastResources } from "./support/forecast.js";
import { capitalize, listPhrase, quoted } from "./support/text.js";

const meta = {
  id: "forecast-tags-no-sensitive-data",
  title: "Forecast tags hold no personal or secret data",
  severity: "high",
  remediationId: "forecast-remove-sensitive-tag",
} as const;

export const forecastTagsNoSensitiveData = defineControl({
  ...meta,
  service: "forecast",
  requires: ["forecast.resources", "forecast.tags"],
  scope: { kind: "forecast", types: FORECAST_RESOURCE_TYPES },
  guidance:
    "Tags end up in billing and diagnostic logs. Remove the tag (`aws forecast untag-resource --resource-arn <arn> --tag-keys <key>`, or Forecast console → resource → Tags → Manage tags) and, if the value is a credential, rotate that credential. Keep personal data out of tags; use an opaque id that points to a protected system instead.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    return evaluateForecastResources(account, FORECAST_RESOURCE_TYPES, findings, ({ resource, target }) => {
      if (!resource.tags.ok) return findings.error(target, resource.tags.error);
      const name = capitalize(describeResource(resource));
      const flagged = resource.tags.value
        .map((tag) => ({ tag, matches: detectSensitiveTag(tag) }))
        .filter((t) => t.matches.length > 0);
      if (flagged.length === 0) {
        const count = resource.tags.value.length;
        if (count === 0) return findings.pass(target, `${name} has no tags.`);
        const subject = count === 1 ? "The one tag" : `None of the ${count} tags`;
        const verb = count === 1 ? "does not look" : "looks";
        return findings.pass(target, `${subject} of ${describeResource(resource)} ${verb} sensitive.`);
      }
      // Only the keys are named (masked): a value is never repeated, even masked, so nothing of it leaks.
      const keys = flagged.map((t) => quoted(t.tag.key));
      const kinds = describeSensitiveKinds(flagged.flatMap((t) => t.matches));
      const subject = flagged.length === 1 ? `Tag ${keys[0]}` : `Tags ${listPhrase(keys)}`;
      return findings.fail(
        target,
        `${subject} on ${describeResource(resource)} ${flagged.length === 1 ? "holds" : "hold"} what looks like ${kinds}.`,
      );
    });
  },
});
