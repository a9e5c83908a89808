import { defineControl, findingsFor } from "../domain/control.js";
import { evaluateEncryptionConfigs } from "./support/encryption-config.js";

const meta = {
  id: "forecast-predictor-encrypted-with-cmk",
  title: "Forecast predictors are encrypted with a customer-managed KMS key",
  severity: "medium",
} as const;

export const forecastPredictorEncryptedWithCmk = defineControl({
  ...meta,
  service: "forecast",
  requires: ["forecast.resources", "forecast.config", "kms.keyMetadata"],
  scope: { kind: "forecast", types: ["predictor"] },
  guidance:
    "A predictor's encryption is fixed at creation. Retrain it with a symmetric customer-managed key: `aws forecast create-auto-predictor --predictor-name <new-name> --data-config … --encryption-config RoleArn=<role>,KMSKeyArn=<key>` (or Forecast console → Predictors → Train new predictor → Encryption), move forecasts to the new predictor, then delete the old one.",
  evaluate({ account }) {
    return evaluateEncryptionConfigs(account, ["predictor"], findingsFor(meta));
  },
});
