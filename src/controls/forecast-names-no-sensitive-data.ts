import { defineControl, findingsFor } from "../domain/control.js";
import { FORECAST_RESOURCE_TYPES } from "../domain/inventory.js";
import { describeSensitiveKinds, detectSensitiveInName } from "../domain/sensitive.js";
import { describeResource, evaluateForecastResources } from "./support/forecast.js";
import { capitalize } from "./support/text.js";

const meta = {
  id: "forecast-names-no-sensitive-data",
  title: "Forecast resource names hold no personal or secret data",
  severity: "medium",
} as const;

export const forecastNamesNoSensitiveData = defineControl({
  ...meta,
  service: "forecast",
  requires: ["forecast.resources"],
  scope: { kind: "forecast", types: FORECAST_RESOURCE_TYPES },
  guidance:
    "Names cannot be changed and appear in ARNs, logs and bills. Create a replacement resource with a neutral name (e.g. `retail_demand_2024`), move its users to it (dataset groups, predictors, forecasts and exports refer to each other by ARN), then delete the old resource with the matching `aws forecast delete-…` command.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    return evaluateForecastResources(account, FORECAST_RESOURCE_TYPES, findings, ({ resource, target }) => {
      const matches = detectSensitiveInName(resource.name);
      const name = capitalize(describeResource(resource));
      if (matches.length === 0)
        return findings.pass(target, `${name} has a name with nothing sensitive in it.`);
      return findings.fail(
        target,
        `${name} has a name that embeds what looks like ${describeSensitiveKinds(matches)}.`,
      );
    });
  },
});
