import { defineControl, findingsFor } from "../domain/control.js";
import { describeResource, evaluateForecastResources } from "./support/forecast.js";
import { customerKeyVerdict } from "./support/keys.js";
import { forecastTarget } from "./support/targets.js";
import { capitalize } from "./support/text.js";

const meta = {
  id: "forecast-dataset-encrypted-with-cmk",
  title: "Forecast datasets are encrypted with a customer-managed KMS key",
  severity: "high",
} as const;

export const forecastDatasetEncryptedWithCmk = defineControl({
  ...meta,
  service: "forecast",
  requires: ["forecast.resources", "forecast.config", "kms.keyMetadata"],
  guidance:
    "A dataset's encryption is fixed at creation. Create a symmetric customer-managed key (KMS console → Customer managed keys → Create key) whose key policy lets the Forecast role use kms:Decrypt and kms:GenerateDataKey, create a new dataset with `aws forecast create-dataset … --encryption-config RoleArn=<role>,KMSKeyArn=<key>`, re-import the data with create-dataset-import-job, point the dataset group at the new dataset, then delete the old dataset.",
  evaluate({ account }) {
    const findings = findingsFor(meta);
    return evaluateForecastResources(account, ["dataset"], findings.error, ({ region, resource }) => {
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
