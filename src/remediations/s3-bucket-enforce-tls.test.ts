import { describe, expect, it } from "vitest";
import {
  ACCOUNT_ID,
  accountWithBucket,
  BUCKET,
  bucketPolicyOf,
  buildAccount,
  denied,
  ok,
  tlsBucketPolicy,
} from "../../test/support/inventory-builders.js";
import {
  bucketFinding,
  isAlreadyCompliant,
  onlyStep,
  planOptions,
} from "../../test/support/remediation-fixtures.js";
import type { BucketInventory } from "../domain/inventory.js";
import { parsePolicyDocument } from "../domain/policy-document.js";
import {
  DENY_INSECURE_TRANSPORT_SID,
  DENY_TLS_BELOW_12_SID,
  s3BucketEnforceTls as remediation,
} from "./s3-bucket-enforce-tls.js";

const finding = bucketFinding("s3-bucket-tls-enforced", BUCKET);
const existing = {
  Version: "2012-10-17",
  Id: "keep-me",
  Statement: [
    {
      Sid: "ForecastRoleRead",
      Effect: "Allow" as const,
      Principal: { AWS: "arn:aws:iam::123456789012:role/ForecastAccessRole" },
      Action: ["s3:GetObject", "s3:ListBucket"],
      Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
      Condition: { StringEquals: { "aws:PrincipalAccount": "123456789012" } },
    },
  ],
};

function accountWith(bucket: Partial<BucketInventory>) {
  return accountWithBucket(bucket);
}

/** The inventory as it would be read back after the plan's policy is put. */
function afterApplying(policyText: string) {
  return accountWith({ policy: ok({ text: policyText, document: parsePolicyDocument(policyText) }) });
}

describe("s3-bucket-enforce-tls plan", () => {
  it("appends both deny statements and keeps every prior statement and member byte for byte", () => {
    const plan = remediation.plan(
      finding,
      accountWith({ policy: ok(bucketPolicyOf(existing)) }),
      planOptions(),
    );
    const put = onlyStep(plan);
    expect(put).toMatchObject({ service: "s3", operation: "PutBucketPolicy", region: "us-east-1" });
    expect(put.input).toMatchObject({ Bucket: BUCKET, ExpectedBucketOwner: ACCOUNT_ID });
    const next = JSON.parse(put.input.Policy as string);
    expect(next.Version).toBe("2012-10-17");
    expect(next.Id).toBe("keep-me");
    expect(JSON.stringify(next.Statement[0])).toBe(JSON.stringify(existing.Statement[0]));
    expect(next.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      "ForecastRoleRead",
      DENY_INSECURE_TRANSPORT_SID,
      DENY_TLS_BELOW_12_SID,
    ]);
    const [, https, tls] = next.Statement;
    for (const statement of [https, tls]) {
      expect(statement).toMatchObject({ Effect: "Deny", Principal: "*", Action: "s3:*" });
      expect(statement.Resource).toEqual([`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`]);
    }
    expect(https.Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
    expect(tls.Condition).toEqual({ NumericLessThan: { "s3:TlsVersion": 1.2 } });
    expect(plan.priorState).toEqual({
      bucket: BUCKET,
      region: "us-east-1",
      expectedOwner: ACCOUNT_ID,
      policyText: JSON.stringify(existing),
    });
  });

  it("never adds VPC conditions", () => {
    const plan = remediation.plan(finding, accountWith({ policy: ok(null) }), planOptions());
    expect(onlyStep(plan).input.Policy as string).not.toMatch(/vpc/i);
  });

  it("shows the change as a diff of the policy", () => {
    const plan = remediation.plan(
      finding,
      accountWith({ policy: ok(bucketPolicyOf(existing)) }),
      planOptions(),
    );
    const added = (plan.diff ?? "").split("\n").filter((l) => l.startsWith("+ "));
    expect(added.join("\n")).toContain(DENY_INSECURE_TRANSPORT_SID);
    expect(added.join("\n")).not.toContain("ForecastRoleRead");
    expect(plan.before).toContain("ForecastRoleRead");
    expect(plan.after).toContain(DENY_TLS_BELOW_12_SID);
  });

  it("creates the policy when the bucket has none", () => {
    const plan = remediation.plan(finding, accountWith({ policy: ok(null) }), planOptions());
    const next = JSON.parse(onlyStep(plan).input.Policy as string);
    expect(next.Version).toBe("2012-10-17");
    expect(next.Statement).toHaveLength(2);
    expect(plan.priorState).toMatchObject({ policyText: null });
    expect(onlyStep(plan).description).toMatch(/^Create/);
  });

  it("is idempotent: re-planning after the fix gives no steps and says so", () => {
    const first = remediation.plan(
      finding,
      accountWith({ policy: ok(bucketPolicyOf(existing)) }),
      planOptions(),
    );
    const again = remediation.plan(
      finding,
      afterApplying(onlyStep(first).input.Policy as string),
      planOptions(),
    );
    expect(isAlreadyCompliant(again)).toBe(true);
  });

  it("appends only the statement that is missing, and none whose Sid is already there", () => {
    const half = {
      Version: "2012-10-17",
      Statement: [
        { Sid: DENY_TLS_BELOW_12_SID, Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: "*" },
      ],
    };
    const plan = remediation.plan(finding, afterApplying(JSON.stringify(half)), planOptions());
    const next = JSON.parse(onlyStep(plan).input.Policy as string);
    expect(next.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      DENY_TLS_BELOW_12_SID,
      DENY_INSECURE_TRANSPORT_SID,
    ]);
  });

  it("recognises equivalent statements under other Sids as compliant", () => {
    const plan = remediation.plan(
      finding,
      accountWith({ policy: ok(tlsBucketPolicy(BUCKET)) }),
      planOptions(),
    );
    expect(isAlreadyCompliant(plan)).toBe(true);
  });

  it("refuses when the policy could not be read, and when it is not JSON", () => {
    const unreadable = remediation.plan(
      finding,
      accountWith({ policy: denied("s3:GetBucketPolicy") }),
      planOptions(),
    );
    expect(unreadable.steps).toEqual([]);
    expect(unreadable.refusal).toMatch(/s3:GetBucketPolicy/);
    const garbled = remediation.plan(
      finding,
      accountWith({ policy: ok({ text: "{not json", document: { Statement: [] } }) }),
      planOptions(),
    );
    expect(garbled.refusal).toMatch(/not valid JSON/);
  });

  it("refuses a bucket that is not in the inventory", () => {
    const plan = remediation.plan(
      bucketFinding("s3-bucket-tls-enforced", "other"),
      buildAccount(),
      planOptions(),
    );
    expect(plan.refusal).toMatch(/not in the inventory/);
  });

  it("fingerprints exactly the policy it read", () => {
    const a = remediation.plan(finding, accountWith({ policy: ok(bucketPolicyOf(existing)) }), planOptions());
    const same = remediation.plan(
      finding,
      accountWith({ policy: ok(bucketPolicyOf(existing)) }),
      planOptions({ now: new Date(0) }),
    );
    const drifted = remediation.plan(finding, accountWith({ policy: ok(null) }), planOptions());
    expect(same.fingerprint).toBe(a.fingerprint);
    expect(drifted.fingerprint).not.toBe(a.fingerprint);
  });
});

describe("s3-bucket-enforce-tls revert", () => {
  it("restores the exact prior policy text", () => {
    const prior = `{ "Version": "2012-10-17",\n  "Statement": ${JSON.stringify(existing.Statement)} }`;
    const plan = remediation.plan(finding, afterApplying(prior), planOptions());
    const revert = remediation.revertPlan(plan);
    expect(onlyStep(revert)).toMatchObject({
      operation: "PutBucketPolicy",
      input: { Bucket: BUCKET, Policy: prior },
    });
    expect(revert.diff).toContain(`- `);
  });

  it("deletes the policy when there was none", () => {
    const plan = remediation.plan(finding, accountWith({ policy: ok(null) }), planOptions());
    expect(onlyStep(remediation.revertPlan(plan))).toMatchObject({
      operation: "DeleteBucketPolicy",
      input: { Bucket: BUCKET, ExpectedBucketOwner: ACCOUNT_ID },
    });
  });

  it("has nothing to revert for a plan without steps, and rejects a foreign prior state", () => {
    const plan = remediation.plan(
      finding,
      accountWith({ policy: ok(tlsBucketPolicy(BUCKET)) }),
      planOptions(),
    );
    expect(
      remediation.revertPlan({
        ...plan,
        priorState: { bucket: BUCKET, region: "us-east-1", expectedOwner: ACCOUNT_ID, policyText: null },
      }).steps,
    ).toEqual([]);
    const applied = remediation.plan(finding, accountWith({ policy: ok(null) }), planOptions());
    expect(() => remediation.revertPlan({ ...applied, priorState: { nope: true } })).toThrow(/prior state/);
  });
});
