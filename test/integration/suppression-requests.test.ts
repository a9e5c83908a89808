/**
 * Suppression requests and the announcement outbox in the store, on SQLite and PostgreSQL: one approval
 * wins among concurrent approvers (the suppression is created once, in the same transaction), expiry and
 * rejection are compare-and-set, and each announcement is handed out once across store instances (replicas)
 * and can be given back. Migration 0005 treats suppressions that existed before it as already announced.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { type Finding, findingKey } from "../../src/domain/finding.js";
import { createKysely } from "../../src/store/connect.js";
import { parseDatabaseUrl } from "../../src/store/database-url.js";
import { migrate } from "../../src/store/migrations.js";
import { openStore } from "../../src/store/open-store.js";
import { ANNOUNCEMENT_CLAIM_LEASE_MS, type Engine, type Store } from "../../src/store/types.js";
import { createTestDatabase, startPostgres } from "../support/postgres.js";

const server = await startPostgres();
afterAll(async () => {
  await server?.stop();
});

const harnesses: Array<{
  engine: Engine;
  available: boolean;
  newDatabase(): Promise<{ url: string; cleanup(): Promise<void> }>;
}> = [
  {
    engine: "sqlite",
    available: true,
    async newDatabase() {
      const dir = await mkdtemp(join(tmpdir(), "forecast-audit-supp-"));
      return {
        url: `sqlite:${join(dir, "store.db")}`,
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    engine: "postgres",
    available: server !== undefined,
    async newDatabase() {
      const db = await createTestDatabase(server!.url);
      return { url: db.url, cleanup: db.drop };
    },
  },
];

const finding: Finding = {
  controlId: "kms-key-not-pending-deletion",
  status: "FAIL",
  severity: "critical",
  accountId: "111111111111",
  region: "us-east-1",
  resourceArn: "arn:aws:kms:us-east-1:111111111111:key/1111aaaa-2222-3333-4444-555566667777",
  resourceType: "kms-key",
  title: "KMS key is pending deletion",
  detail: "Pending deletion.",
};
const KEY = findingKey(finding);

describe.each(harnesses)("suppression requests on $engine", (h) => {
  const suite = h.available ? describe : describe.skip;

  suite("", () => {
    let t = Date.parse("2026-03-01T08:00:00.000Z");
    const now = () => new Date(t);

    async function fresh() {
      const db = await h.newDatabase();
      const stores: Store[] = [];
      const open = async () => {
        const s = await openStore({ databaseUrl: db.url, now });
        stores.push(s);
        return s;
      };
      const store = await open();
      onTestFinished(async () => {
        for (const s of stores) await s.close().catch(() => {});
        await db.cleanup();
      });
      await store.recordScan({
        scope: { accounts: [finding.accountId], regions: [finding.region], controls: [finding.controlId] },
        trigger: "cli:tester",
        findings: [finding],
      });
      return { store, open, url: db.url };
    }

    function ask(store: Store, hours = 24) {
      return store.createSuppressionRequest({
        findingKey: KEY,
        reason: "Key kept for the audit trail.",
        durationDays: 30,
        severity: "critical",
        requester: "slack:U0REQ",
        expiresAt: new Date(t + hours * 3_600_000).toISOString(),
      });
    }

    it("approves once among concurrent approvers on two instances, creating the suppression in the same step", async () => {
      const { store, open } = await fresh();
      // Two pools race on PostgreSQL; one SQLite file is one process's (a second connection in the same
      // process would wait on the first's lock with the event loop blocked).
      const other = h.engine === "postgres" ? await open() : store;
      const request = await ask(store);
      expect(request).toMatchObject({ state: "pending", requester: "slack:U0REQ", durationDays: 30 });
      const until = new Date(t + 30 * 86_400_000).toISOString();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? other : store).approveSuppressionRequest(request.id, {
            approver: `slack:U0APP${i}`,
            expiresAt: until,
          }),
        ),
      );
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      const won = winners[0];
      expect(won?.request).toMatchObject({ state: "approved", suppressionId: won?.suppression.id });
      expect(won?.suppression).toMatchObject({
        findingKey: KEY,
        createdBy: "slack:U0REQ",
        approvedBy: won?.request.approver,
        requestId: request.id,
        expiresAt: until,
      });
      expect(await store.listSuppressions()).toHaveLength(1);
      expect(await store.isSuppressed(KEY)).toBe(true);
      const audit = await store.listAudit({ target: request.id, order: "asc" });
      expect(audit.map((a) => `${a.actor} ${a.action}`)).toEqual([
        "slack:U0REQ suppression-request.created",
        `${won?.request.approver} suppression-request.approved`,
      ]);
      expect(await store.rejectSuppressionRequest(request.id, { rejecter: "slack:U0X" })).toBeUndefined();
    });

    it("does not approve or reject an expired request, and the sweep expires it once", async () => {
      const { store } = await fresh();
      const request = await ask(store, 1);
      t += 2 * 3_600_000;
      expect(await store.approveSuppressionRequest(request.id, { approver: "slack:U0APP" })).toBeUndefined();
      expect(await store.rejectSuppressionRequest(request.id, { rejecter: "slack:U0APP" })).toBeUndefined();
      const expired = await store.expireSuppressionRequests(now());
      expect(expired.map((r) => r.id)).toEqual([request.id]);
      expect(await store.expireSuppressionRequests(now())).toEqual([]);
      expect(await store.listSuppressions()).toEqual([]);
      expect((await store.getSuppressionRequest(request.id))?.state).toBe("expired");
    });

    it("rejects with a reason, once", async () => {
      const { store } = await fresh();
      const request = await ask(store);
      const rejected = await store.rejectSuppressionRequest(request.id, {
        rejecter: "slack:U0APP",
        reason: "No.",
      });
      expect(rejected).toMatchObject({ state: "rejected", rejecter: "slack:U0APP", rejectReason: "No." });
      expect(await store.approveSuppressionRequest(request.id, { approver: "slack:U0B" })).toBeUndefined();
      expect(await store.listSuppressionRequests({ states: ["rejected"] })).toHaveLength(1);
    });

    it("hands each announcement out once across instances, gives back a failed one, and announces the end", async () => {
      const { store, open } = await fresh();
      const other = h.engine === "postgres" ? await open() : store;
      const made = await store.addSuppression({
        findingKey: KEY,
        reason: "Accepted.",
        createdBy: "cli:alice",
        expiresAt: new Date(t + 2 * 86_400_000).toISOString(),
      });
      const stale = () => new Date(t - ANNOUNCEMENT_CLAIM_LEASE_MS).toISOString();
      const [a, b] = await Promise.all([
        store.leaseSuppressionAnnouncements("a", stale()),
        other.leaseSuppressionAnnouncements("b", stale()),
      ]);
      const claimed = [...a, ...b];
      expect(claimed).toEqual([{ kind: "created", suppression: made }]);
      // Given back by its holder (the post failed): the next run takes it, once.
      const holder = a.length > 0 ? "a" : "b";
      await store.settleSuppressionAnnouncement(claimed[0]!, holder, false);
      const retaken = await other.leaseSuppressionAnnouncements("b", stale());
      expect(retaken).toHaveLength(1);
      expect(await store.leaseSuppressionAnnouncements("a", stale())).toEqual([]);
      await other.settleSuppressionAnnouncement(retaken[0]!, "b", true);
      // It runs out: announced once as ended.
      t += 3 * 86_400_000;
      const ended = await store.leaseSuppressionAnnouncements("a", stale());
      expect(ended.map((e) => `${e.kind} ${e.suppression.id}`)).toEqual([`ended ${made.id}`]);
      expect(await other.leaseSuppressionAnnouncements("b", stale())).toEqual([]);
      await store.settleSuppressionAnnouncement(ended[0]!, "a", true);
      // Lifted by hand: announced as ended.
      const lifted = await store.addSuppression({ findingKey: KEY, reason: "Again.", createdBy: "slack:U1" });
      const created = await store.leaseSuppressionAnnouncements("a", stale());
      expect(created.map((e) => e.kind)).toEqual(["created"]);
      await store.settleSuppressionAnnouncement(created[0]!, "a", true);
      await store.removeSuppression(lifted.id, "cli:bob");
      const [end] = await store.leaseSuppressionAnnouncements("a", stale());
      expect(end).toMatchObject({ kind: "ended", suppression: { id: lifted.id, removedBy: "cli:bob" } });
    });

    it("leases each announcement to one instance, writes it announced only when settled, and takes back a dead claimer's after the lease", async () => {
      const { store, open } = await fresh();
      const other = h.engine === "postgres" ? await open() : store;
      const lease = 5 * 60_000;
      const stale = () => new Date(t - lease).toISOString();
      const made = await store.addSuppression({ findingKey: KEY, reason: "Leased.", createdBy: "cli:alice" });
      const [a, b] = await Promise.all([
        store.leaseSuppressionAnnouncements("a", stale()),
        other.leaseSuppressionAnnouncements("b", stale()),
      ]);
      const claimed = [...(a ?? []), ...(b ?? [])];
      expect(claimed).toEqual([{ kind: "created", suppression: made }]);
      const holder = a?.length ? "a" : "b";
      // The claimer dies before posting: a give-back by anyone else counts for nothing, the claim stands.
      await other.settleSuppressionAnnouncement(claimed[0]!, holder === "a" ? "b" : "a", false);
      expect(await other.leaseSuppressionAnnouncements("c", stale())).toEqual([]);
      t += lease + 1000;
      const retaken = await other.leaseSuppressionAnnouncements("c", stale());
      expect(retaken).toHaveLength(1);
      await other.settleSuppressionAnnouncement(retaken[0]!, "c", true);
      t += lease + 1000;
      expect(await store.leaseSuppressionAnnouncements("a", stale())).toEqual([]);
      // Its end goes through the same lease; given back by its claimer, it is taken at once.
      await store.removeSuppression(made.id, "cli:bob");
      const [end] = await store.leaseSuppressionAnnouncements("a", stale());
      expect(end).toMatchObject({ kind: "ended", suppression: { id: made.id } });
      await store.settleSuppressionAnnouncement(end!, "a", false);
      const [again] = await other.leaseSuppressionAnnouncements("b", stale());
      expect(again).toMatchObject({ kind: "ended" });
      await other.settleSuppressionAnnouncement(again!, "b", true);
      expect(await store.leaseSuppressionAnnouncements("a", stale())).toEqual([]);

      // Interrupted scans: the same lease.
      await store.startScan({
        id: "scan-leased",
        trigger: "slack:U1",
        scope: { accounts: [finding.accountId], regions: [finding.region], controls: [finding.controlId] },
        origin: { kind: "slack", channel: "C0SCANS", user: "U1" },
      });
      expect(await store.interruptScan("scan-leased", "stopped")).toBe(true);
      const [x, y] = await Promise.all([
        store.leaseInterruptedScanAnnouncements("a", stale()),
        other.leaseInterruptedScanAnnouncements("b", stale()),
      ]);
      expect([...(x ?? []), ...(y ?? [])].map((s) => s.id)).toEqual(["scan-leased"]);
      expect(await store.leaseInterruptedScanAnnouncements("c", stale())).toEqual([]);
      t += lease + 1000;
      expect((await other.leaseInterruptedScanAnnouncements("c", stale())).map((s) => s.id)).toEqual([
        "scan-leased",
      ]);
      await other.settleInterruptedScanAnnouncement("scan-leased", "c", true);
      t += lease + 1000;
      expect(await store.leaseInterruptedScanAnnouncements("a", stale())).toEqual([]);
    });

    it("counts suppressions made before migration 0005 as announced", async () => {
      const db = await h.newDatabase();
      onTestFinished(() => db.cleanup());
      const kysely = await createKysely(parseDatabaseUrl(db.url));
      try {
        await migrate(kysely, h.engine, "0003_scan_coverage");
        await sql`insert into suppressions (id, finding_key, reason, created_by, created_at, expires_at)
          values ('sup-old1', ${KEY}, 'Old.', 'cli:alice', '2026-01-01T00:00:00.000Z', '2026-01-05T00:00:00.000Z'),
                 ('sup-old2', ${KEY}, 'Old.', 'cli:alice', '2026-01-01T00:00:00.000Z', null)`.execute(kysely);
      } finally {
        await kysely.destroy();
      }
      const store = await openStore({ databaseUrl: db.url, now });
      try {
        const none = "2000-01-01T00:00:00.000Z";
        expect(await store.leaseSuppressionAnnouncements("a", none)).toEqual([]);
        await store.removeSuppression("sup-old2", "cli:bob");
        expect((await store.leaseSuppressionAnnouncements("a", none)).map((a) => a.suppression.id)).toEqual([
          "sup-old2",
        ]);
      } finally {
        await store.close();
      }
    });
  });
});
