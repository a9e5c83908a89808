import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findingKey } from "../domain/finding.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import {
  createApprovalsPort,
  optionsForChoice,
  toPlanChoice,
  toPlanView,
  toRequestView,
} from "./slack-port.js";

const finding = {
  controlId: "forecast-tags-no-sensitive-data",
  status: "FAIL" as const,
  severity: "high" as const,
  accountId: "123456789012",
  region: "us-east-1",
  resourceArn: "arn:aws:forecast:us-east-1:123456789012:dataset/sales",
  resourceType: "forecast-dataset" as const,
  title: "No sensitive tags",
  detail: "A tag looks like an e-mail address.",
  remediationId: "forecast-remove-sensitive-tag",
};
const NOW = new Date("2024-06-01T12:00:00.000Z");
let store: Store;

beforeEach(async () => {
  store = await openStore({ databaseUrl: "sqlite::memory:", now: () => NOW });
  await store.recordScan({
    scope: { accounts: [finding.accountId], regions: [finding.region], controls: [finding.controlId] },
    trigger: "test",
    findings: [finding],
  });
});

afterEach(async () => {
  await store.close();
});

async function request(requester: string, expiresAt = "2024-06-02T12:00:00.000Z") {
  return store.createRequest({
    findingKey: findingKey(finding),
    remediationId: finding.remediationId,
    plan: {
      remediationId: finding.remediationId,
      finding,
      steps: [
        {
          service: "forecast",
          operation: "UntagResource",
          region: "us-east-1",
          input: { ResourceArn: finding.resourceArn, TagKeys: ["owner"] },
          description: "Remove the tag owner.",
        },
      ],
      before: "owner = ••••••",
      after: "No tags.",
      notes: [],
      priorState: { removedTags: [{ key: "owner", value: "alice@example.com" }] },
      fingerprint: "f".repeat(64),
      requestReason: "SEC-7",
    },
    planFingerprint: "f".repeat(64),
    requester,
    expiresAt,
  });
}

describe("toRequestView", () => {
  it("shows the finding, the plan and the reason, never a step's input or the prior state", async () => {
    const view = await toRequestView(store, await request("U0ALICE"));
    expect(view).toMatchObject({
      state: "pending",
      remediationTitle: expect.any(String),
      finding: { title: "No sensitive tags", severity: "high" },
      requestedBy: "U0ALICE",
      requestReason: "SEC-7",
    });
    const json = JSON.stringify(view);
    expect(json).not.toContain("alice@example.com");
    expect(json).not.toContain("TagKeys");
  });
});

describe("createApprovalsPort", () => {
  const slack = { approvers: { users: ["U0ALICE", "U0BOB"], usergroups: [] }, fourEyes: true };

  it("lists pending requests someone else asked for, to listed approvers only", async () => {
    const mine = await request("U0ALICE");
    const port = createApprovalsPort(store, slack, () => NOW);
    expect(await port.pendingFor("U0ALICE")).toEqual([]);
    expect((await port.pendingFor("U0BOB")).map((p) => p.id)).toEqual([mine.id]);
    expect(await port.pendingFor("U0MALLORY")).toEqual([]);
  });

  it("leaves out expired requests", async () => {
    await request("U0ALICE", "2024-06-01T11:00:00.000Z");
    expect(await createApprovalsPort(store, slack, () => NOW).pendingFor("U0BOB")).toEqual([]);
  });
});

describe("the plan's choice", () => {
  const KEY_A = "arn:aws:kms:us-east-1:123456789012:key/aaaa";
  const KEY_B = "arn:aws:kms:us-east-1:123456789012:key/bbbb";
  const choice = {
    option: "kmsKeyArn" as const,
    candidates: [
      { value: KEY_A, label: "aaaa (alias/a)" },
      { value: KEY_B, label: "bbbb" },
    ],
    selected: KEY_B,
  };

  it("shows labels and the selected index, never the ARNs", () => {
    expect(toPlanChoice(choice)).toEqual({
      kind: "kms-key",
      labels: ["aaaa (alias/a)", "bbbb"],
      selected: 1,
    });
    const view = toPlanView({
      steps: [],
      before: "",
      after: "",
      notes: [],
      fingerprint: "f",
      choice: { option: "tagKey", candidates: [{ value: "owner", label: "owner" }] },
    });
    expect(view.choice).toEqual({ kind: "tag-key", labels: ["owner"] });
    expect(JSON.stringify(toPlanChoice(choice))).not.toContain("arn:");
  });

  it("resolves an index to the option server-side, and nothing for an unknown index", () => {
    expect(optionsForChoice(choice, 0)).toEqual({ kmsKeyArn: KEY_A });
    expect(optionsForChoice({ option: "tagKey", candidates: [{ value: "owner", label: "o" }] }, 0)).toEqual({
      tagKey: "owner",
    });
    expect(optionsForChoice(choice, 2)).toBeUndefined();
    expect(optionsForChoice(undefined, 0)).toBeUndefined();
  });
});
