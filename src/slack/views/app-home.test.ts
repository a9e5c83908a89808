import { describe, expect, it } from "vitest";
import { makeFindings, recordOf } from "../../../test/support/slack-fakes.js";
import { checkView } from "../limits.js";
import type { PendingApproval, PostureRow } from "../ports.js";
import { renderAppHome } from "./app-home.js";

function posture(n: number, text = ""): PostureRow[] {
  return Array.from({ length: n }, (_, i) => ({
    accountId: String(100000000000 + i),
    accountName: `account-${i}${text}`,
    ouPath: `Prod/Team-${i % 40}${text}`,
    region: ["us-east-1", "eu-west-1", "ap-southeast-2"][i % 3] ?? "us-east-1",
    open: { critical: i % 2, high: i % 5, medium: 3, low: 0 },
    errors: i % 3,
    lastScannedAt: new Date("2024-05-01T09:00:00Z"),
  }));
}

function approvals(n: number): PendingApproval[] {
  return makeFindings(n).map((f, i) => ({
    id: `req-${i}`,
    remediationId: f.remediationId ?? "manual",
    finding: f,
    requestedBy: "U0ALICE",
    requestedAt: new Date("2024-05-01T09:00:00Z"),
  }));
}

describe("renderAppHome", () => {
  it.each([0, 1, 50, 5000])("stays within view limits with %i rows of everything", (n) => {
    const view = renderAppHome({
      userId: "U0VIEWER",
      posture: posture(n),
      lastScan: undefined,
      running: [],
      topFindings: makeFindings(Math.min(n, 200)).map((f) => recordOf(f)),
      approvals: approvals(n),
      generatedAt: new Date("2024-05-02T09:00:00Z"),
    });
    expect(checkView(view)).toEqual([]);
  });

  it("totals open findings by severity across accounts and shows what waits for the viewer", () => {
    const view = renderAppHome({
      userId: "U0VIEWER",
      posture: posture(2),
      lastScan: undefined,
      running: [],
      topFindings: [],
      approvals: approvals(1),
      generatedAt: new Date("2024-05-02T09:00:00Z"),
    });
    const json = JSON.stringify(view);
    expect(json).toContain("1 critical · :large_orange_circle: 1 high · :large_yellow_circle: 6 medium");
    expect(json).toContain("requested by <@U0ALICE>");
    expect(json).toContain("No scan has run yet.");
  });

  it("says when nothing waits for the viewer", () => {
    const view = renderAppHome({
      userId: "U0VIEWER",
      posture: [],
      lastScan: undefined,
      running: [],
      topFindings: [],
      approvals: [],
      generatedAt: new Date(),
    });
    expect(JSON.stringify(view)).toContain("Nothing is waiting for <@U0VIEWER>.");
  });

  it("summarises by OU and by account, the worst first, with counts, and escapes OU and account names", () => {
    const rows: PostureRow[] = [
      {
        accountId: "100000000001",
        accountName: "shop",
        ouPath: "Prod",
        region: "us-east-1",
        open: { critical: 0, high: 4, medium: 0, low: 0 },
        errors: 0,
      },
      {
        accountId: "100000000002",
        accountName: "ledger",
        ouPath: "Prod/Payments",
        region: "us-east-1",
        open: { critical: 2, high: 0, medium: 0, low: 0 },
        errors: 0,
      },
      {
        accountId: "100000000003",
        accountName: "cards",
        ouPath: "Prod/Payments",
        region: "us-east-1",
        open: { critical: 0, high: 0, medium: 0, low: 0 },
        errors: 0,
      },
      {
        accountId: "100000000004",
        accountName: "<!channel>",
        ouPath: "Dev <!here>",
        region: "us-east-1",
        open: { critical: 0, high: 0, medium: 0, low: 1 },
        errors: 0,
      },
    ];
    const view = renderAppHome({
      userId: "U0VIEWER",
      posture: rows,
      lastScan: undefined,
      running: [],
      topFindings: [],
      approvals: [],
      generatedAt: new Date("2024-05-02T09:00:00Z"),
    });
    const json = JSON.stringify(view);
    expect(json).toContain("Posture by OU, the worst first");
    expect(json).toContain("*Prod/Payments* · 1 failing account — :red_circle: 2 critical");
    expect(json.indexOf("*Prod/Payments*")).toBeLessThan(json.indexOf("*Prod* ·"));
    expect(json.indexOf("*Prod* ·")).toBeLessThan(json.indexOf("*Dev &lt;!here&gt;*"));
    // Accounts too: the worst first, not by id.
    expect(json.indexOf("(ledger)")).toBeLessThan(json.indexOf("(shop)"));
    expect(json).toContain("`100000000002` (ledger) · _Prod/Payments_ `us-east-1`");
    expect(json).not.toContain("<!channel>");
    expect(json).not.toContain("<!here>");
    expect(checkView(view)).toEqual([]);
  });

  it("stays within view limits with 500 accounts in 40 OUs whose names are long and hostile", () => {
    const view = renderAppHome({
      userId: "U0VIEWER",
      posture: posture(500, ` ${"<!channel> x".repeat(10)}`),
      lastScan: undefined,
      running: [],
      topFindings: [],
      approvals: [],
      generatedAt: new Date("2024-05-02T09:00:00Z"),
    });
    expect(checkView(view)).toEqual([]);
    expect(JSON.stringify(view)).toMatch(/more OUs?\./);
  });
});
