import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Finding, findingKey } from "../domain/finding.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import {
  approvalNeeded,
  checkSuppressionInput,
  createSuppressionFlow,
  UNPOSTED_SUPPRESSION_GRACE_MS,
} from "./suppression-flow.js";

function finding(severity: Finding["severity"], name: string): Finding {
  return {
    controlId: "s3-bucket-tls-enforced",
    status: "FAIL",
    severity,
    accountId: "123456789012",
    region: "us-east-1",
    resourceArn: `arn:aws:s3:::${name}`,
    resourceType: "s3-bucket",
    title: "TLS",
    detail: "No TLS.",
  };
}

const high = finding("high", "high-bucket");
const low = finding("low", "low-bucket");
const yes = { ok: true } as const;
let now: Date;
let store: Store;
let flow: ReturnType<typeof createSuppressionFlow>;

beforeEach(async () => {
  now = new Date("2026-03-01T08:00:00.000Z");
  store = await openStore({ databaseUrl: "sqlite::memory:", now: () => now });
  await store.recordScan({
    scope: { accounts: ["123456789012"], regions: ["us-east-1"], controls: [high.controlId] },
    trigger: "test",
    findings: [high, low],
  });
  flow = createSuppressionFlow({ store, now: () => now, ttlHours: 24, fourEyes: true, maxDays: 30 });
});

afterEach(async () => {
  await store.close();
});

describe("what needs an approval", () => {
  it("is anything without an end date, and critical or high findings", () => {
    expect(approvalNeeded("low", undefined)).toBe("it has no end date");
    expect(approvalNeeded("critical", 7)).toBe("the finding is critical");
    expect(approvalNeeded("high", 1)).toBe("the finding is high");
    expect(approvalNeeded("medium", 30)).toBeUndefined();
  });

  it("checks the reason and the duration the same way for every caller", () => {
    expect(checkSuppressionInput({ reason: "  ok " }, 30)?.code).toBe("reason");
    expect(checkSuppressionInput({ reason: "x".repeat(501) }, 30)?.code).toBe("reason");
    expect(checkSuppressionInput({ reason: "Fine.", days: 31 }, 30)?.code).toBe("duration");
    expect(checkSuppressionInput({ reason: "Fine.", days: 0 }, 30)?.code).toBe("duration");
    expect(checkSuppressionInput({ reason: "Fine.", days: 1.5 }, 30)?.code).toBe("duration");
    expect(checkSuppressionInput({ reason: "Fine.", days: 30 }, 30)).toBeUndefined();
    expect(checkSuppressionInput({ reason: "Fine." }, 30)).toBeUndefined();
  });
});

describe("the suppression flow", () => {
  it("suppresses a low finding for a bounded time at once, audited under the requester", async () => {
    const done = await flow.suppress({
      findingKey: findingKey(low),
      actor: "slack:U0REQ",
      reason: "Test data.",
      days: 7,
    });
    expect(done).toMatchObject({ ok: true, kind: "suppressed", suppression: { createdBy: "slack:U0REQ" } });
    expect(done.ok && done.kind === "suppressed" && done.suppression.expiresAt).toBe(
      "2026-03-08T08:00:00.000Z",
    );
    const again = await flow.suppress({
      findingKey: findingKey(low),
      actor: "slack:U0REQ",
      reason: "Again.",
      days: 7,
    });
    expect(again).toMatchObject({ ok: false, code: "already-suppressed" });
    expect((await store.listAudit({ actor: "slack:U0REQ" })).map((a) => a.action).sort()).toEqual([
      "suppression.created",
      "suppression.refused",
    ]);
  });

  it("turns 'until lifted' and a high finding into requests, and refuses a second one while it waits", async () => {
    const forever = await flow.suppress({
      findingKey: findingKey(low),
      actor: "slack:U0REQ",
      reason: "Forever.",
    });
    expect(forever).toMatchObject({
      ok: true,
      kind: "requested",
      request: { state: "pending", severity: "low" },
    });
    expect(forever.ok && forever.kind === "requested" && "durationDays" in forever.request).toBe(false);
    const highAsk = await flow.suppress({
      findingKey: findingKey(high),
      actor: "slack:U0REQ",
      reason: "Short.",
      days: 3,
    });
    expect(highAsk).toMatchObject({
      ok: true,
      kind: "requested",
      request: { durationDays: 3, severity: "high" },
    });
    expect(await store.isSuppressed(findingKey(high))).toBe(false);
    const twice = await flow.suppress({
      findingKey: findingKey(high),
      actor: "slack:U0OTHER",
      reason: "Me too.",
      days: 3,
    });
    expect(twice).toMatchObject({ ok: false, code: "already-requested" });
  });

  it("withdraws a request never posted for approval once it is 2 minutes old, and lets the next one through", async () => {
    const ask = { findingKey: findingKey(high), actor: "slack:U0REQ", reason: "Short.", days: 3 };
    const first = await flow.suppress(ask);
    if (!first.ok || first.kind !== "requested") throw new Error("not requested");
    // Still within the grace: its message may be on its way.
    now = new Date(now.getTime() + 60_000);
    expect(await flow.suppress(ask)).toMatchObject({ ok: false, code: "already-requested" });
    now = new Date(now.getTime() + UNPOSTED_SUPPRESSION_GRACE_MS);
    expect(await flow.suppress(ask)).toMatchObject({ ok: true, kind: "requested" });
    expect((await store.getSuppressionRequest(first.request.id))?.state).toBe("expired");
    const [audit] = await store.listAudit({
      action: "suppression-request.expired",
      target: first.request.id,
    });
    expect(audit?.detail).toMatchObject({ reason: expect.stringContaining("never posted") });
  });

  it("makes one request and one refusal when two submissions both pass the check before either inserts", async () => {
    const ask = { findingKey: findingKey(high), actor: "slack:U0REQ", reason: "Short.", days: 3 };
    const first = await flow.suppress(ask);
    if (!first.ok || first.kind !== "requested") throw new Error("not requested");
    let blind = true;
    const racing = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === "listSuppressionRequests" && blind) {
          return async () => {
            blind = false;
            return [];
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const other = createSuppressionFlow({
      store: racing,
      now: () => now,
      ttlHours: 24,
      fourEyes: true,
      maxDays: 30,
    });
    expect(await other.suppress({ ...ask, actor: "slack:U0OTHER" })).toMatchObject({
      ok: false,
      code: "already-requested",
      request: { id: first.request.id },
    });
    expect(
      await store.listSuppressionRequests({ findingKey: findingKey(high), states: ["pending"] }),
    ).toHaveLength(1);
  });

  it("keeps a posted request waiting for its approver however long, until it expires", async () => {
    const ask = { findingKey: findingKey(high), actor: "slack:U0REQ", reason: "Short.", days: 3 };
    const first = await flow.suppress(ask);
    if (!first.ok || first.kind !== "requested") throw new Error("not requested");
    await store.setSuppressionRequestMessage(first.request.id, "C0APPROVE", "1700000000.000100");
    now = new Date(now.getTime() + 10 * UNPOSTED_SUPPRESSION_GRACE_MS);
    expect(await flow.suppress(ask)).toMatchObject({ ok: false, code: "already-requested" });
    expect(
      await store.withdrawSuppressionRequest(first.request.id, "its message could not be posted"),
    ).toMatchObject({
      state: "expired",
    });
    expect(await store.withdrawSuppressionRequest(first.request.id, "again")).toBeUndefined();
    expect(await flow.suppress(ask)).toMatchObject({ ok: true, kind: "requested" });
  });

  it("refuses a bad reason, a long duration and an unknown finding, auditing each", async () => {
    for (const [ask, code] of [
      [{ findingKey: findingKey(low), actor: "cli:alice", reason: "no", days: 7 }, "reason"],
      [{ findingKey: findingKey(low), actor: "cli:alice", reason: "Fine.", days: 31 }, "duration"],
      [
        {
          findingKey: "s3-bucket-tls-enforced|123456789012|us-east-1|arn:aws:s3:::nope",
          actor: "cli:alice",
          reason: "Fine.",
          days: 7,
        },
        "not-found",
      ],
    ] as const) {
      expect(await flow.suppress(ask)).toMatchObject({ ok: false, code });
    }
    expect(await store.listSuppressions()).toEqual([]);
    expect(await store.listAudit({ actor: "cli:alice", action: "suppression.refused" })).toHaveLength(3);
  });

  it("needs an approver other than the requester, authorized, before it expires; then applies once", async () => {
    const asked = await flow.suppress({
      findingKey: findingKey(high),
      actor: "slack:U0REQ",
      reason: "Short.",
      days: 3,
    });
    if (!asked.ok || asked.kind !== "requested") throw new Error("no request");
    const id = asked.request.id;
    expect(await flow.approve({ requestId: id, actor: "slack:U0REQ", authorization: yes })).toMatchObject({
      code: "four-eyes",
    });
    expect(
      await flow.approve({
        requestId: id,
        actor: "slack:U0X",
        authorization: { ok: false, reason: "Not an approver." },
      }),
    ).toMatchObject({ code: "not-authorized", reason: "Not an approver." });
    now = new Date(now.getTime() + 3_600_000);
    const approved = await flow.approve({ requestId: id, actor: "slack:U0APP", authorization: yes });
    expect(approved).toMatchObject({ ok: true, request: { state: "approved", approver: "slack:U0APP" } });
    const [suppression] = await store.listSuppressions();
    // Three days from the approval, not from the request.
    expect(suppression?.expiresAt).toBe("2026-03-04T09:00:00.000Z");
    expect(await flow.approve({ requestId: id, actor: "slack:U0APP2", authorization: yes })).toMatchObject({
      code: "already-handled",
    });
    const refusals = await store.listAudit({ target: id, action: "suppression.refused", order: "asc" });
    expect(refusals.map((r) => `${r.actor} ${(r.detail as { code: string }).code}`)).toEqual([
      "slack:U0REQ four-eyes",
      "slack:U0X not-authorized",
      "slack:U0APP2 already-handled",
    ]);
  });

  it("lets the requester approve their own request only with four-eyes off, and expires one nobody decided", async () => {
    const solo = createSuppressionFlow({ store, now: () => now, ttlHours: 24, fourEyes: false, maxDays: 30 });
    const asked = await solo.suppress({
      findingKey: findingKey(high),
      actor: "slack:U0REQ",
      reason: "Short.",
      days: 3,
    });
    if (!asked.ok || asked.kind !== "requested") throw new Error("no request");
    expect(
      await solo.approve({ requestId: asked.request.id, actor: "slack:U0REQ", authorization: yes }),
    ).toMatchObject({ ok: true });
    const other = await flow.suppress({
      findingKey: findingKey(low),
      actor: "slack:U0REQ",
      reason: "Forever.",
    });
    if (!other.ok || other.kind !== "requested") throw new Error("no request");
    now = new Date(now.getTime() + 25 * 3_600_000);
    expect(
      await flow.approve({ requestId: other.request.id, actor: "slack:U0APP", authorization: yes }),
    ).toMatchObject({
      code: "expired",
      request: { state: "expired" },
    });
  });
});
