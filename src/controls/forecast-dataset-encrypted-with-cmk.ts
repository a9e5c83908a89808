import { defineControl, findingsFor } from "../domain/control.js";
import { evaluateEncryptionConfigs } from "./support/encryption-config.js";

const meta = {
  id: "forecast-dataset-encrypted-with-cmk",
  title: "Forecast datasets are encrypted with a customer-managed KMS key",
  severity: "high",
} as const;

export const forecastDatasetEncryptedWithCmk = defineControl({
  ...meta,
  service: "forecast",
  requires: ["forecast.resources", "forecast.config", "kms.keyMetadata"],
  scope: { kind: "forecast", types: ["dataset"] },
  guidance:
    "A dataset's encryption is fixed at creation. Create a symmetric customer-managed key (KMS console → Customer managed keys → Create key) whose key policy lets the Forecast role use kms:Decrypt and kms:GenerateDataKey, create a new dataset with `aws forecast create-dataset … --encryption-config RoleArn=<role>,KMSKeyArn=<key>`, re-import the data with create-dataset-import-job, point the dataset group at the new dataset, then delete the old dataset.",
  evaluate({ account }) {
    return evaluateEncryptionConfigs(account, ["dataset"], findingsFor(meta));
  },
});
