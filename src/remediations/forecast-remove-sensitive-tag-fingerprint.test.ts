import { describe, expect, it } from "vitest";
import { buildAccount, buildDataset, withResources } from "../../test/support/inventory-builders.js";
import { buildFinding, planOptions } from "../../test/support/remediation-fixtures.js";
import { fingerprintState } from "../domain/remediation.js";
import { forecastRemoveSensitiveTag as remediation } from "./forecast-remove-sensitive-tag.js";

const TAGS = [
  { key: "team", value: "demand-planning" },
  { key: "owner", value: "jane.doe@example.com" },
  { key: "deploy-key", value: "AKIAIOSFODNN7EXAMPLE" },
];

describe("forecast-remove-sensitive-tag's fingerprint", () => {
  const dataset = buildDataset({ name: "retail_sales", tags: TAGS });
  const account = withResources(buildAccount(), [dataset]);
  const finding = buildFinding("forecast-tags-no-sensitive-data", dataset.arn, {
    resourceType: "forecast-dataset",
  });

  it("differs for each tag chosen, so a submission for another tag than the plan shown is a changed plan", () => {
    const owner = remediation.plan(finding, account, planOptions({ tagKey: "owner" }));
    const key = remediation.plan(finding, account, planOptions({ tagKey: "deploy-key" }));
    const all = remediation.plan(finding, account, planOptions());
    expect(new Set([owner.fingerprint, key.fingerprint, all.fingerprint]).size).toBe(3);
    expect(remediation.plan(finding, account, planOptions({ tagKey: "owner" })).fingerprint).toBe(
      owner.fingerprint,
    );
  });

  it("is unchanged without a choice (requests made before still match)", () => {
    const all = remediation.plan(finding, account, planOptions());
    expect(all.fingerprint).toBe(
      fingerprintState({
        remediationId: remediation.id,
        accountId: finding.accountId,
        resourceArn: finding.resourceArn,
        state: { arn: dataset.arn, tags: dataset.tags },
      }),
    );
  });
});
