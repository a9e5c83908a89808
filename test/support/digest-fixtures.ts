/**
 * A seeded history for the digest tests: three scans over five days, a previous digest, a pending approval,
 * suppressions, and a scheduled scan that could not reach one account. `EXPECTED` says what the digest of
 * 2 March 09:00 UTC must contain.
 */
import { type Finding, findingKey } from "../../src/domain/finding.js";
import type { Severity } from "../../src/domain/severity.js";
import type { ScanScope, Store } from "../../src/store/types.js";

export const ACCOUNT_A = "111111111111";
export const ACCOUNT_B = "222222222222";
export const ACCOUNTS = [
  { id: ACCOUNT_A, name: "prod" },
  { id: ACCOUNT_B, name: "staging" },
];

const CONTROL_BY_SEVERITY: Record<Severity, string> = {
  critical: "kms-key-not-pending-deletion",
  high: "s3-bucket-tls-enforced",
  medium: "s3-bucket-min-tls-1-2",
  low: "cloudtrail-log-file-validation",
};

export function digestFinding(
  name: string,
  severity: Severity,
  status: Finding["status"],
  over: Partial<Finding> = {},
): Finding {
  return {
    controlId: CONTROL_BY_SEVERITY[severity],
    status,
    severity,
    accountId: ACCOUNT_A,
    region: "us-east-1",
    resourceArn: `arn:aws:s3:::${name}`,
    resourceType: "s3-bucket",
    title: `Finding ${name}`,
    detail: `${name} is ${status}.`,
    ...over,
  };
}

export const SEED_SCOPE: ScanScope = {
  accounts: [ACCOUNT_A, ACCOUNT_B],
  regions: ["us-east-1", "global"],
  controls: [...Object.values(CONTROL_BY_SEVERITY), "kms-key-rotation-enabled", "iam-root-mfa-enabled"],
};

export class TestClock {
  t: number;
  constructor(start: string) {
    this.t = Date.parse(start);
  }
  now = (): Date => new Date(this.t);
  set(iso: string): void {
    this.t = Date.parse(iso);
  }
}

const A = digestFinding("bucket-a", "critical", "FAIL");
const B = digestFinding("bucket-b", "high", "FAIL");
const C = digestFinding("bucket-c", "medium", "FAIL");
const D = digestFinding("trail-d", "low", "PASS");
const E = digestFinding("key-e", "medium", "ERROR", {
  controlId: "kms-key-rotation-enabled",
  resourceArn: "arn:aws:kms:us-east-1:111111111111:key/key-e",
  resourceType: "kms-key",
  error: { code: "AccessDeniedException", message: "denied", action: "kms:GetKeyRotationStatus" },
});
const F = digestFinding("bucket-f", "high", "FAIL");
const G = digestFinding("root", "critical", "ERROR", {
  controlId: "iam-root-mfa-enabled",
  accountId: ACCOUNT_B,
  region: "global",
  resourceArn: "arn:aws:iam::222222222222:root",
  resourceType: "iam-account",
  error: { code: "AccessDenied", message: "not authorized", action: "sts:AssumeRole" },
});

export const KEYS = {
  a: findingKey(A),
  b: findingKey(B),
  c: findingKey(C),
  d: findingKey(D),
  e: findingKey(E),
  f: findingKey(F),
  g: findingKey(G),
};

export const PREVIOUS_DIGEST_AT = "2026-03-01T09:00:00.000Z";
export const DIGEST_AT = "2026-03-02T09:00:00.000Z";

export const UNREACHABLE_MESSAGE =
  "Account 222222222222 could not be scanned: Could not evaluate: sts:AssumeRole was denied (AccessDenied); grant sts:AssumeRole to the audit role.";

/** Seeds the history; the clock ends at DIGEST_AT. Returns the ids it created. */
export async function seedDigestHistory(
  store: Store,
  clock: TestClock,
): Promise<{ requestId: string; suppressionId: string }> {
  clock.set("2026-02-27T08:30:00.000Z");
  await store.recordScan({ scope: SEED_SCOPE, trigger: "schedule", findings: [A, C] });
  clock.set("2026-03-01T08:30:00.000Z");
  await store.recordScan({ scope: SEED_SCOPE, trigger: "schedule", findings: [A, B, C, D, E] });
  clock.set("2026-03-02T08:30:00.000Z");
  const third = await store.recordScan({
    scope: SEED_SCOPE,
    trigger: "schedule",
    findings: [A, { ...B, status: "PASS" }, C, { ...D, status: "FAIL" }, E, F, G],
  });
  await store.appendAudit({
    actor: "schedule",
    action: "schedule.scan",
    target: third.scan.id,
    detail: {
      slot: "2026-03-02T08:30:00.000Z",
      finishedAt: "2026-03-02T08:30:00.000Z",
      outcome: "partial",
      scanId: third.scan.id,
      accounts: [ACCOUNT_A, ACCOUNT_B],
      unscanned: [
        {
          accountId: ACCOUNT_B,
          code: "AccessDenied",
          action: "sts:AssumeRole",
          message: UNREACHABLE_MESSAGE,
        },
      ],
    },
  });
  clock.set("2026-03-02T08:45:00.000Z");
  const request = await store.createRequest({
    findingKey: KEYS.f,
    remediationId: "s3-bucket-enforce-tls",
    plan: { steps: [] },
    planFingerprint: "fp-1",
    requester: "U0BOB",
    expiresAt: "2026-03-03T08:45:00.000Z",
  });
  const expiring = await store.addSuppression({
    controlId: "s3-bucket-tls-enforced",
    resourcePattern: "arn:aws:s3:::archive-*",
    reason: "accepted until the migration",
    createdBy: "slack:U0ALICE",
    expiresAt: "2026-03-05T00:00:00.000Z",
  });
  await store.addSuppression({
    controlId: "cloudtrail-log-file-validation",
    resourcePattern: "arn:aws:cloudtrail:*:*:trail/legacy-*",
    reason: "legacy trails",
    createdBy: "slack:U0ALICE",
    expiresAt: "2026-03-20T00:00:00.000Z",
  });
  clock.set(DIGEST_AT);
  return { requestId: request.id, suppressionId: expiring.id };
}
