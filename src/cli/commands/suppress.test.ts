import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createStoreCli, kmsFinding, SCOPE, type StoreCli } from "../../../test/support/store-cli.js";
import { findingId, findingKey } from "../../domain/finding.js";
import { CliError } from "../errors.js";
import { buildSuppression, parseDuration, parseUntil, registerSuppressCommands } from "./suppress.js";

let cli: StoreCli;
const run = (...args: string[]) => cli.run(registerSuppressCommands, ...args);
const NOW = new Date("2026-03-01T08:00:00.000Z");
const KEY = findingKey(kmsFinding("a", "FAIL"));

beforeEach(async () => {
  cli = await createStoreCli();
  const store = await cli.store();
  await store.recordScan({
    scope: SCOPE,
    trigger: "schedule",
    findings: [kmsFinding("a", "FAIL"), kmsFinding("b", "FAIL")],
  });
});
afterEach(async () => {
  await cli.cleanup();
});

describe("forecast-audit suppress / unsuppress / suppressions", () => {
  it("suppresses one finding for a while, audited as the local user, and lists it", async () => {
    const out = await run("suppress", "--finding", KEY, "--reason", "Key is being retired", "--for", "30d");
    const id = /\(id (sup-[a-z0-9]+)\)/.exec(out)?.[1];
    expect(out).toContain("until 2026-03-31T08:00:00.000Z");
    expect(id).toBeDefined();
    const store = await cli.store();
    expect(await store.isSuppressed(KEY)).toBe(true);
    expect((await store.listFindings()).map((f) => f.key)).toEqual([findingKey(kmsFinding("b", "FAIL"))]);
    expect((await store.listAudit({ target: id! }))[0]).toMatchObject({
      actor: "cli:tester",
      action: "suppression.created",
    });
    const listed = await run("suppressions");
    expect(listed).toContain(id);
    expect(listed).toContain("Key is being retired");
  });

  it("suppresses a control over a resource pattern until a date, and warns when nothing matches yet", async () => {
    const out = await run(
      "suppress",
      "--control",
      "s3-bucket-tls-enforced",
      "--resource",
      "arn:aws:s3:::legacy-*",
      "--reason",
      "Legacy buckets behind a proxy",
      "--until",
      "2026-05-15",
    );
    expect(out).toContain(
      "Suppressed s3-bucket-tls-enforced on arn:aws:s3:::legacy-* until 2026-05-15T00:00:00.000Z",
    );
    expect(cli.err.join("")).toMatch(/no stored finding matches yet/);
  });

  it("unsuppresses by id, once", async () => {
    const out = await run("suppress", "--finding", KEY, "--reason", "temporary", "--for", "7d");
    const id = /\(id (sup-[a-z0-9]+)\)/.exec(out)![1]!;
    expect(await run("unsuppress", id)).toBe(`Removed suppression ${id}.\n`);
    expect(await (await cli.store()).isSuppressed(KEY)).toBe(false);
    await expect(run("unsuppress", id)).rejects.toThrow(/No active suppression has id/);
    await expect(run("unsuppress", "DROP TABLE")).rejects.toThrow(/<id> must be a suppression id/);
    expect(await run("suppressions")).toBe("No active suppressions.\n");
    expect(await run("suppressions", "--all")).toContain("removed by cli:tester");
  });
});

describe("findings by id, and what is refused before anything is written", () => {
  const ID = findingId(kmsFinding("a", "FAIL"));
  const nothingWritten = async () => {
    const store = await cli.store();
    expect(await store.listSuppressions({ includeExpired: true, includeRemoved: true })).toEqual([]);
    expect(await store.listAudit({ actionPrefix: "suppression." })).toEqual([]);
  };
  const refused = async (args: string[], message: RegExp) => {
    const error = await run(...args).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).toMatch(message);
  };

  it("suppresses and unsuppresses a finding by its id", async () => {
    const out = await run("suppress", "--finding", ID, "--reason", "Key is being retired", "--for", "7d");
    expect(out).toContain(
      `Suppressed finding ${ID} (kms-key-rotation-enabled on arn:aws:kms:us-east-1:111111111111:key/a)`,
    );
    const store = await cli.store();
    expect(await store.isSuppressed(KEY)).toBe(true);
    const sup = /\(id (sup-[a-z0-9]+)\)/.exec(out)?.[1];
    expect(await run("unsuppress", ID)).toBe(`Removed suppression ${sup} of finding ${ID}.\n`);
    expect(await store.isSuppressed(KEY)).toBe(false);
    await refused(["unsuppress", ID], new RegExp(`Finding ${ID} is not suppressed`));
  });

  it("refuses an unknown finding id, a masked key and an unknown control, writing nothing", async () => {
    await refused(
      ["suppress", "--finding", "f-0000000000zz", "--reason", "a valid reason", "--for", "7d"],
      /no stored finding has id f-0000000000zz/,
    );
    await refused(
      [
        "suppress",
        "--finding",
        "forecast-names-no-sensitive-data|111111111111|us-east-1|arn:aws:forecast:us-east-1:111111111111:dataset/sales_[payment-card]",
        "--reason",
        "a valid reason",
        "--for",
        "7d",
      ],
      /masked text .*Use the finding's id instead/,
    );
    await refused(
      ["suppress", "--control", "nope", "--reason", "a valid reason", "--for", "7d"],
      /"nope" is not a control id\. The control ids are: .*s3-bucket-tls-enforced/,
    );
    await refused(
      [
        "suppress",
        "--finding",
        `nope|111111111111|us-east-1|arn:aws:s3:::x`,
        "--reason",
        "a valid reason",
        "--for",
        "7d",
      ],
      /"nope" is not a control id/,
    );
    await refused(
      ["suppress", "--finding", "f-0123456789ai", "--reason", "a valid reason", "--for", "7d"],
      /is not a finding id/,
    );
    await refused(["unsuppress", "f-0000000000zz"], /no stored finding has id/);
    await nothingWritten();
  });

  it("refuses to unsuppress by finding id what a control-wide suppression covers", async () => {
    const out = await run(
      "suppress",
      "--control",
      "kms-key-rotation-enabled",
      "--reason",
      "all keys retired",
      "--for",
      "30d",
    );
    const sup = /\(id (sup-[a-z0-9]+)\)/.exec(out)?.[1];
    await refused(["unsuppress", ID], new RegExp(`covered by ${sup}, a suppression of its control`));
    expect(await (await cli.store()).isSuppressed(KEY)).toBe(true);
  });
});

describe("the bounds of a suppression from the command line", () => {
  it("refuses no end, an end past slack.suppression.maxDays and a short reason, writing nothing", async () => {
    await expect(run("suppress", "--finding", KEY, "--reason", "temporary")).rejects.toThrow(
      /give --for or --until: a suppression lasts at most 90 days/,
    );
    await expect(run("suppress", "--finding", KEY, "--reason", "temporary", "--for", "91d")).rejects.toThrow(
      /at most 90 days \(slack\.suppression\.maxDays\); this one is 91/,
    );
    await expect(run("suppress", "--finding", KEY, "--reason", "ok", "--for", "7d")).rejects.toThrow(
      /--reason: Give a reason of 3/,
    );
    const store = await cli.store();
    expect(await store.listSuppressions({ includeExpired: true, includeRemoved: true })).toEqual([]);
    expect(await store.listAudit({ action: "suppression.created" })).toEqual([]);
    await expect(run("suppress", "--finding", KEY, "--reason", "Fine.", "--for", "90d")).resolves.toContain(
      "Suppressed",
    );
  });
});

describe("buildSuppression", () => {
  const ok = { finding: KEY, reason: "r" };

  it.each([
    [{ reason: "r" }, /exactly one of --finding KEY or --control ID/],
    [{ finding: KEY, control: "c", reason: "r" }, /exactly one of/],
    [{ finding: KEY, resource: "*", reason: "r" }, /--resource goes with --control/],
    [{ finding: KEY }, /--reason is required/],
    [{ finding: KEY, reason: "  " }, /--reason is required/],
    [{ finding: "not-a-key", reason: "r" }, /--finding must be a finding key/],
    [{ control: "Bad Control", reason: "r" }, /--control must be a control id/],
    [{ ...ok, until: "2026-04-01", for: "3d" }, /--until or --for, not both/],
    [{ ...ok, until: "yesterday" }, /--until must be a date/],
    [{ ...ok, until: "2026-02-01" }, /--until must be in the future/],
    [{ ...ok, for: "30" }, /--for must be a duration/],
    [{ ...ok, for: "0d" }, /--for must be a duration/],
  ])("rejects %j", (opts, message) => {
    let error: unknown;
    try {
      buildSuppression(opts, "cli:t", NOW);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).toMatch(message);
  });

  it("builds a control suppression with a pattern and an expiry", () => {
    expect(
      buildSuppression(
        { control: "s3-bucket-tls-enforced", resource: "arn:aws:s3:::x-*", reason: " why ", for: "2w" },
        "cli:t",
        NOW,
      ),
    ).toEqual({
      controlId: "s3-bucket-tls-enforced",
      resourcePattern: "arn:aws:s3:::x-*",
      reason: "why",
      createdBy: "cli:t",
      expiresAt: "2026-03-15T08:00:00.000Z",
    });
  });

  it("reads durations and dates", () => {
    expect(parseDuration("12h")).toBe(12 * 3_600_000);
    expect(parseDuration("1W")).toBe(7 * 86_400_000);
    expect(parseUntil("2026-03-02T10:00:00+02:00", NOW)).toBe("2026-03-02T08:00:00.000Z");
  });
});
