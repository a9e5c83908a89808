/** Datasets and predictors: Forecast encrypts them with the key their `EncryptionConfig` names, fixed at creation. */
import type { Evaluation } from "../../domain/control.js";
import type { AccountInventory, ForecastResourceType } from "../../domain/inventory.js";
import { describeResource, evaluateForecastResources } from "./forecast.js";
import { customerKeyVerdict } from "./keys.js";
import { capitalize } from "./text.js";
import { type ControlFindings, verdictFinding } from "./verdict.js";

/** One finding per resource of `types`: PASS when its `EncryptionConfig` names a customer-managed key. */
export function evaluateEncryptionConfigs(
  account: AccountInventory,
  types: readonly ForecastResourceType[],
  findings: ControlFindings,
): Evaluation[] {
  return evaluateForecastResources(account, types, findings, ({ region, resource, target }) => {
    if (!resource.config.ok) return findings.error(target, resource.config.error);
    const name = capitalize(describeResource(resource));
    const keyArn = resource.config.value.kmsKeyArn;
    if (!keyArn) {
      return findings.fail(
        target,
        `${name} has no EncryptionConfig, so Forecast encrypts it with an AWS owned key.`,
      );
    }
    const verdict = customerKeyVerdict(account, keyArn, region);
    return verdictFinding(findings, target, verdict, (key) => `${name} is encrypted with ${key}.`);
  });
}
