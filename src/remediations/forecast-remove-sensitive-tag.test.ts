import { describe, expect, it } from "vitest";
import { buildAccount, buildDataset, denied, withResources } from "../../test/support/inventory-builders.js";
import {
  buildFinding,
  isAlreadyCompliant,
  onlyStep,
  planOptions,
} from "../../test/support/remediation-fixtures.js";
import type { Tag } from "../domain/inventory.js";
import type { Slice } from "../domain/result.js";
import { forecastRemoveSensitiveTag as remediation } from "./forecast-remove-sensitive-tag.js";

const EMAIL = "jane.doe@example.com";
const KEY_ID = "AKIAIOSFODNN7EXAMPLE";
const TAGS: Tag[] = [
  { key: "team", value: "demand-planning" },
  { key: "owner", value: EMAIL },
  { key: "deploy-key", value: KEY_ID },
];

function setup(tags: Tag[] | Slice<Tag[]> = TAGS) {
  const dataset = buildDataset({ name: "retail_sales", tags });
  return {
    dataset,
    account: withResources(buildAccount(), [dataset]),
    finding: buildFinding("forecast-tags-no-sensitive-data", dataset.arn, {
      resourceType: "forecast-dataset",
    }),
  };
}

describe("forecast-remove-sensitive-tag", () => {
  it("removes every flagged tag and keeps the rest", () => {
    const { account, dataset, finding } = setup();
    const plan = remediation.plan(finding, account, planOptions());
    expect(onlyStep(plan)).toMatchObject({
      service: "forecast",
      operation: "UntagResource",
      region: "us-east-1",
      input: { ResourceArn: dataset.arn, TagKeys: ["owner", "deploy-key"] },
    });
  });

  it("stores the removed values for the revert but never shows them", () => {
    const { account, dataset, finding } = setup();
    const plan = remediation.plan(finding, account, planOptions());
    expect(plan.priorState).toEqual({
      resourceArn: dataset.arn,
      region: "us-east-1",
      removedTags: [
        { key: "owner", value: EMAIL },
        { key: "deploy-key", value: KEY_ID },
      ],
    });
    const shown = [
      plan.before,
      plan.after,
      plan.diff ?? "",
      ...plan.notes,
      ...plan.steps.map((s) => s.description),
    ].join("\n");
    expect(shown).not.toContain(EMAIL);
    expect(shown).not.toContain(KEY_ID);
    expect(plan.before).toContain("team = demand-planning");
    const revert = remediation.revertPlan(plan);
    expect(onlyStep(revert).input).toEqual({
      ResourceArn: dataset.arn,
      Tags: [
        { Key: "owner", Value: EMAIL },
        { Key: "deploy-key", Value: KEY_ID },
      ],
    });
    const revertShown = [revert.before, revert.after, ...revert.notes, onlyStep(revert).description].join(
      "\n",
    );
    expect(revertShown).not.toContain(EMAIL);
  });

  it("masks a tag key that is itself sensitive", () => {
    const { account, finding } = setup([{ key: EMAIL, value: "x" }]);
    const plan = remediation.plan(finding, account, planOptions());
    expect(onlyStep(plan).input.TagKeys).toEqual([EMAIL]);
    expect(`${plan.before}${onlyStep(plan).description}`).not.toContain(EMAIL);
  });

  it("flags what only the key and value read together reveal, and never shows the value", () => {
    const { account, finding } = setup([{ key: "ssn", value: "123456789" }]);
    const plan = remediation.plan(finding, account, planOptions());
    expect(onlyStep(plan).input.TagKeys).toEqual(["ssn"]);
    expect([plan.before, plan.after].join("\n")).not.toContain("123456789");
  });

  it("removes only the one key asked for", () => {
    const { account, finding } = setup();
    const plan = remediation.plan(finding, account, planOptions({ tagKey: "owner" }));
    expect(onlyStep(plan).input.TagKeys).toEqual(["owner"]);
  });

  it("offers the flagged tag keys as a choice, every one by default", () => {
    const { account, finding } = setup();
    const all = remediation.plan(finding, account, planOptions());
    expect(all.choice).toEqual({
      option: "tagKey",
      candidates: [
        { value: "owner", label: "owner" },
        { value: "deploy-key", label: "deploy-key" },
      ],
    });
    const one = remediation.plan(finding, account, planOptions({ tagKey: "deploy-key" }));
    expect(one.choice?.selected).toBe("deploy-key");
    const clean = setup([{ key: "team", value: "demand-planning" }]);
    expect(remediation.plan(clean.finding, clean.account, planOptions()).choice).toBeUndefined();
  });

  it("gives no steps when nothing is flagged, refuses when tags could not be read", () => {
    const clean = setup([{ key: "team", value: "demand-planning" }]);
    expect(isAlreadyCompliant(remediation.plan(clean.finding, clean.account, planOptions()))).toBe(true);
    const unread = setup(denied("forecast:ListTagsForResource"));
    expect(remediation.plan(unread.finding, unread.account, planOptions()).refusal).toMatch(
      /ListTagsForResource/,
    );
  });
});
