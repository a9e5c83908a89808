import { defineControl, findingsFor } from "../domain/control.js";
import { describeResource, evaluateForecastResources } from "./support/forecast.js";
import { customerKeyVerdict } from "./support/keys.js";
import { forecastTarget } from "./support/targets.js";
import { capitalize } from "./support/text.js";

const meta = {
  id: "forecast-predictor-encrypted-with-cmk",
  title: "Forecast predictors are encrypted with a customer-managed KMS key",
  severity: "medium",
} as const;

export const forecastPredictorEncryptedWithCmk = defineControl({
  ...meta,
  service: "forecast",
  requires: ["forecast.resources", "forecast.config", "kms.keyMetadata"],
  guidance:
    "A predictor's encryption is fixed at creation. Retrain it with a symmetric customer-managed key: `aws forecast create-auto-predictor --predictor-name <new-name> --data-config … --encryption-config RoleArn=<role>,KMSKeyArn=<key>` (or Forecast console → Predictors → Train new predictor → Encryption), move forecasts to the new predictor, then delete the old one.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    return evaluateForecastResources(account, ["predictor"], findings.error, ({ region, resource }) => {
      const target = forecastTarget(account, region, resource);
      if (!resource.config.ok) return findings.error(target, resource.config.error);
      const name = capitalize(describeResource(resource));
      const keyArn = resource.config.value.kmsKeyArn;
      if (!keyArn)
        return findings.fail(
          target,
          `${name} has no EncryptionConfig, so Forecast encrypts it with an AWS owned key.`,
        );
      const verdict = customerKeyVerdict(account, keyArn, region);
      if (verdict.status === "error") return findings.error(target, verdict.error);
      return verdict.status === "pass"
        ? findings.pass(target, `${name} is encrypted with ${verdict.reason}.`)
        : findings.fail(target, `${name} is encrypted with ${verdict.reason}.`);
    });
  },
});
