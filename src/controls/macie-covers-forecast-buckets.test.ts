import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  accountWithBucket,
  BUCKET,
  buildAccount,
  buildBucket,
  buildContext,
  buildMacie,
  denied,
  macieOff,
  ok,
  withBucket,
  withRegion,
} from "../../test/support/inventory-builders.js";
import type { MacieClassificationJob, MacieInventory } from "../domain/inventory.js";
import { macieCoversForecastBuckets as control } from "./macie-covers-forecast-buckets.js";

const run = (macie: MacieInventory) =>
  control.evaluate(buildContext(withRegion(accountWithBucket(), "us-east-1", { macie })));

const job = (overrides: Partial<MacieClassificationJob> = {}): MacieClassificationJob => ({
  jobId: "j-1",
  name: "forecast-buckets",
  status: "RUNNING",
  jobType: "SCHEDULED",
  buckets: [`${ACCOUNT_ID}/${BUCKET}`],
  matchesByCriteria: false,
  ...overrides,
});
const noDiscovery = (jobs: MacieClassificationJob[]) =>
  buildMacie({ automatedDiscovery: ok({ status: "DISABLED" }), classificationJobs: ok(jobs) });

describe("macie-covers-forecast-buckets", () => {
  it("passes with automated discovery on", () => {
    expect(run(buildMacie())).toEqual([
      expect.objectContaining({
        status: "PASS",
        resourceArn: `arn:aws:s3:::${BUCKET}`,
        detail: expect.stringMatching(/automated/),
      }),
    ]);
  });

  it("passes with a non-cancelled job that names the bucket", () => {
    expect(run(noDiscovery([job()]))[0]?.detail).toMatch(/classification job "forecast-buckets"/);
  });

  it("fails when only cancelled or criteria-based jobs exist, and says criteria-based jobs do not count", () => {
    const [finding] = run(
      noDiscovery([job({ status: "CANCELLED" }), job({ buckets: [], matchesByCriteria: true })]),
    );
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toMatch(/criteria-based jobs are not counted/);
  });

  it("fails when Macie is off in the bucket's region", () => {
    expect(run(macieOff())[0]?.detail).toMatch(/Macie is not enabled in us-east-1/);
  });

  it("reports ERROR when what it needs could not be read", () => {
    expect(run(buildMacie({ session: denied("macie2:GetMacieSession") }))[0]?.status).toBe("ERROR");
    const noJobs = buildMacie({
      automatedDiscovery: ok({ status: "DISABLED" }),
      classificationJobs: denied("macie2:ListClassificationJobs"),
    });
    expect(run(noJobs)[0]).toMatchObject({
      status: "ERROR",
      error: { action: "macie2:ListClassificationJobs" },
    });
    const unknownRegion = withBucket(
      buildAccount(),
      buildBucket(BUCKET, { region: denied("s3:GetBucketLocation") }),
    );
    expect(control.evaluate(buildContext(unknownRegion))[0]?.status).toBe("ERROR");
  });

  it("reports ERROR for a bucket in a region that was not scanned, and yields nothing without buckets", () => {
    const elsewhere = accountWithBucket({ region: ok("sa-east-1") });
    expect(control.evaluate(buildContext(elsewhere))).toEqual([
      expect.objectContaining({
        status: "ERROR",
        region: "sa-east-1",
        error: expect.objectContaining({ code: "RegionNotScanned", action: "macie2:GetMacieSession" }),
      }),
    ]);
    expect(control.evaluate(buildContext(buildAccount()))).toEqual([]);
  });
});
