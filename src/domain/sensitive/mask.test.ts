/**
 * Masking by field: identifiers AWS generates (account ids, KMS key ids, regions, the fixed parts of every
 * ARN the product reports) pass through every masking path intact, over thousands of generated values;
 * names, tags and paths that carry personal or secret data are masked; an S3 path keeps its bucket.
 */
import { describe, expect, it } from "vitest";
import { FORECAST_REGIONS } from "../../aws/regions.js";
import { scopeArn } from "../arn.js";
import type { ResourceType } from "../finding.js";
import {
  containsMask,
  detectSensitiveTag,
  maskArn,
  maskS3Path,
  maskSensitive,
  maskSensitiveName,
} from "../sensitive.js";

/** A small seeded generator, so a failure names a value that can be reproduced. */
function rng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const hex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[int(16)]).join("");
  const digits = (n: number) => Array.from({ length: n }, () => String(int(10))).join("");
  return { next, int, pick, hex, digits };
}
type Rng = ReturnType<typeof rng>;

/** Digit runs that the detectors flag when people write them: SSNs, NANP phones, card-like runs. */
const LOADED_RUNS = ["123456789", "2125550143", "078051120", "4111111111", "5555555555", "378282246"];

/** A UUID as KMS generates it; half of them carry a long digit run, the shape that was masked as `[us-ssn]`. */
function keyId(r: Rng): string {
  const groups = [r.hex(8), r.hex(4), r.hex(4), r.hex(4), r.hex(12)];
  if (r.next() < 0.5) {
    const run = r.next() < 0.5 ? r.pick(LOADED_RUNS) : r.digits(9 + r.int(4));
    const at = r.int(12 - run.length + 1);
    groups[4] = `${groups[4]?.slice(0, at)}${run}${groups[4]?.slice(at + run.length)}`.slice(0, 12);
  }
  if (r.next() < 0.2) groups[0] = r.digits(8);
  const id = groups.join("-");
  return r.next() < 0.3 ? id.toUpperCase().toLowerCase() : id;
}

function accountId(r: Rng): string {
  return r.next() < 0.3 ? `${r.pick(LOADED_RUNS)}${r.digits(12)}`.slice(0, 12) : r.digits(12);
}

const WORDS = ["retail", "demand", "sales", "weekly", "items", "north", "promo", "stores", "export", "v2"];
function name(r: Rng): string {
  return Array.from({ length: 1 + r.int(3) }, () => r.pick(WORDS)).join("_");
}

/** One ARN of each resource type the product reports, clean names, generated ids. */
const ARN_OF: Record<ResourceType, (r: Rng, a: string, region: string) => string> = {
  "forecast-dataset-group": (r, a, g) => `arn:aws:forecast:${g}:${a}:dataset-group/${name(r)}`,
  "forecast-dataset": (r, a, g) => `arn:aws:forecast:${g}:${a}:dataset/${name(r)}`,
  "forecast-dataset-import-job": (r, a, g) =>
    `arn:aws:forecast:${g}:${a}:dataset-import-job/${name(r)}/${name(r)}`,
  "forecast-predictor": (r, a, g) => `arn:aws:forecast:${g}:${a}:predictor/${name(r)}`,
  "forecast-predictor-backtest-export-job": (r, a, g) =>
    `arn:aws:forecast:${g}:${a}:predictor-backtest-export-job/${name(r)}/${name(r)}`,
  "forecast-forecast": (r, a, g) => `arn:aws:forecast:${g}:${a}:forecast/${name(r)}`,
  "forecast-forecast-export-job": (r, a, g) =>
    `arn:aws:forecast:${g}:${a}:forecast-export-job/${name(r)}/${name(r)}`,
  "forecast-explainability": (r, a, g) => `arn:aws:forecast:${g}:${a}:explainability/${name(r)}`,
  "forecast-explainability-export": (r, a, g) =>
    `arn:aws:forecast:${g}:${a}:explainability-export/${name(r)}/${name(r)}`,
  "forecast-what-if-analysis": (r, a, g) => `arn:aws:forecast:${g}:${a}:what-if-analysis/${name(r)}`,
  "forecast-what-if-forecast": (r, a, g) =>
    `arn:aws:forecast:${g}:${a}:what-if-forecast/${name(r)}/${name(r)}`,
  "forecast-what-if-forecast-export": (r, a, g) =>
    `arn:aws:forecast:${g}:${a}:what-if-forecast-export/${name(r)}`,
  "forecast-monitor": (r, a, g) => `arn:aws:forecast:${g}:${a}:monitor/${name(r)}`,
  "forecast-region": (_r, a, g) => scopeArn("aws", "forecast", a, g),
  "s3-bucket": (r) => `arn:aws:s3:::${name(r).replace(/_/g, "-")}-${r.digits(4)}`,
  "s3-account": (_r, a, g) => scopeArn("aws", "s3", a, g),
  "kms-key": (r, a, g) =>
    r.next() < 0.1 ? `arn:aws:kms:${g}:${a}:key/mrk-${r.hex(32)}` : `arn:aws:kms:${g}:${a}:key/${keyId(r)}`,
  "iam-role": (r, a) => `arn:aws:iam::${a}:role/service-role/${name(r).replace(/_/g, "-")}`,
  "iam-user": (r, a) => `arn:aws:iam::${a}:user/${name(r)}`,
  "iam-group": (r, a) => `arn:aws:iam::${a}:group/${name(r)}`,
  "iam-account": (r, a) => (r.next() < 0.5 ? `arn:aws:iam::${a}:root` : scopeArn("aws", "iam", a, "global")),
  "cloudtrail-trail": (r, a, g) => `arn:aws:cloudtrail:${g}:${a}:trail/${name(r).replace(/_/g, "-")}`,
  "cloudtrail-region": (_r, a, g) => scopeArn("aws", "cloudtrail", a, g),
  "macie-region": (_r, a, g) => scopeArn("aws", "macie2", a, g),
};

describe("identifiers AWS generates pass through every masking path intact", () => {
  it("keeps thousands of generated KMS key ids whole, bare, in ARNs and in sentences", () => {
    const r = rng(0x5eed);
    let loaded = 0;
    for (let i = 0; i < 5000; i++) {
      const id = keyId(r);
      if (/\d{9}/.test(id)) loaded++;
      const region = r.pick(FORECAST_REGIONS);
      const arn = `arn:aws:kms:${region}:${accountId(r)}:key/${id}`;
      expect(maskArn(arn)).toBe(arn);
      expect(maskSensitive(arn)).toBe(arn);
      expect(maskSensitive(id)).toBe(id);
      const sentence = `KMS key ${id} (${arn}) is scheduled for deletion on 2026-01-02.`;
      expect(maskSensitive(sentence)).toBe(sentence);
    }
    // The generator does produce the shape that used to be masked as `[us-ssn]`.
    expect(loaded).toBeGreaterThan(1000);
  });

  it("keeps generated account ids and every region whole", () => {
    const r = rng(7);
    for (let i = 0; i < 2000; i++) {
      const account = accountId(r);
      expect(maskSensitive(account)).toBe(account);
      expect(maskSensitive(`account ${account}`)).toBe(`account ${account}`);
    }
    for (const region of FORECAST_REGIONS) expect(maskSensitive(region)).toBe(region);
  });

  it.each(Object.keys(ARN_OF) as ResourceType[])("keeps %s ARNs whole", (type) => {
    const r = rng(type.length * 131);
    const make = ARN_OF[type];
    for (let i = 0; i < 300; i++) {
      const arn = make(r, accountId(r), r.pick(FORECAST_REGIONS));
      expect(maskArn(arn)).toBe(arn);
      expect(maskSensitive(arn)).toBe(arn);
      const key = `some-control|123456789012|us-east-1|${arn}`;
      expect(maskSensitive(key)).toBe(key);
      expect(maskSensitive(`Resource ${arn} fails.`)).toBe(`Resource ${arn} fails.`);
    }
  });

  it("keeps AWS error messages that quote ARNs readable", () => {
    const message =
      "User: arn:aws:sts::212555014312:assumed-role/ForecastAudit/cli is not authorized to perform: kms:DescribeKey on resource: arn:aws:kms:us-east-1:212555014312:key/3fa85f64-5717-4562-b3fc-212555014366";
    expect(maskSensitive(message)).toBe(message);
  });
});

describe("text people chose is masked", () => {
  const pii: Array<[string, string]> = [
    ["john_doe_at_example_com", "[email]"],
    ["cust_4111111111111111", "[payment-card]"],
    ["emp_123456789", "[us-ssn]"],
    ["call_2125550143", "[phone]"],
    ["AKIAIOSFODNN7EXAMPLE", "[aws-access-key]"],
  ];

  it.each(pii)("masks the Forecast name %s in every Forecast ARN type, and nothing else", (bad, marker) => {
    for (const type of Object.keys(ARN_OF) as ResourceType[]) {
      if (!type.startsWith("forecast-") || type === "forecast-region") continue;
      const clean = ARN_OF[type](rng(1), "123456789012", "eu-west-1");
      const arn = clean.replace(/\/([^/]+)$/, `/${bad}`);
      const masked = maskArn(arn);
      expect(masked).not.toContain(bad);
      expect(masked).toContain(marker);
      expect(masked.startsWith("arn:aws:forecast:eu-west-1:123456789012:")).toBe(true);
      expect(maskSensitive(`Resource ${arn}.`)).toBe(`Resource ${masked}.`);
    }
  });

  it("masks e-mails, phones, cards, SSNs and access keys in other names, keeping the rest of the ARN", () => {
    expect(maskArn("arn:aws:iam::123456789012:user/jane.doe@example.com")).toBe(
      "arn:aws:iam::123456789012:user/[email]",
    );
    expect(maskArn("arn:aws:iam::123456789012:role/ssn-123-45-6789")).toBe(
      "arn:aws:iam::123456789012:role/ssn-[us-ssn]",
    );
    expect(maskArn("arn:aws:kms:us-east-1:123456789012:alias/oncall-212-555-0143")).toBe(
      "arn:aws:kms:us-east-1:123456789012:alias/oncall-[phone]",
    );
    expect(maskArn("arn:aws:cloudtrail:us-east-1:123456789012:trail/4111-1111-1111-1111")).toBe(
      "arn:aws:cloudtrail:us-east-1:123456789012:trail/[payment-card]",
    );
    expect(maskArn("arn:aws:s3:::reports/AKIAIOSFODNN7EXAMPLE/out.csv")).toBe(
      "arn:aws:s3:::reports/[aws-access-key]/out.csv",
    );
  });

  it("masks tags that carry each kind", () => {
    const values = [
      "jane.doe@example.com",
      "+1 212-555-0143",
      "4111 1111 1111 1111",
      "123-45-6789",
      "AKIAIOSFODNN7EXAMPLE",
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ];
    for (const value of values) {
      expect(detectSensitiveTag({ key: "owner", value }).length).toBeGreaterThan(0);
      expect(maskSensitive(value)).not.toContain(value);
    }
  });
});

describe("S3 paths are masked by their parts", () => {
  const cases: Array<[string, string]> = [
    [
      "s3://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY@sales-data/in/items.csv",
      "s3://[secret]@sales-data/in/items.csv",
    ],
    [
      "s3://sales-data/AKIAIOSFODNN7EXAMPLE/wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY/items.csv",
      "s3://sales-data/",
    ],
    ["s3://sales-data/exports/jane.doe@example.com/items.csv", "s3://sales-data/exports/[email]/items.csv"],
    ["s3://sales-data/cards/4111111111111111.csv", "s3://sales-data/cards/[payment-card].csv"],
    [
      "s3://sales-data/x?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE&X-Amz-Signature=abc123def",
      "s3://sales-data/x?",
    ],
  ];

  it.each(cases)("keeps the bucket of %s", (path, start) => {
    const masked = maskS3Path(path);
    expect(masked.startsWith(start)).toBe(true);
    expect(masked).not.toMatch(/AKIAIOSFODNN7EXAMPLE|wJalrXUtnFEMI|jane\.doe|4111111111111111|abc123def/);
    expect(containsMask(masked)).toBe(true);
    // The same holds when the path is quoted in a sentence.
    expect(maskSensitive(`S3 path "${path}" of dataset import job "x" carries a secret.`)).toContain(
      `"${masked}"`,
    );
  });

  it("leaves a plain path alone", () => {
    const path = "s3://my-forecast-bucket/exports/2024/01/15/forecast_export_job_v2/";
    expect(maskS3Path(path)).toBe(path);
  });
});

describe("purity and idempotence", () => {
  it("gives the same answer for the same string and never re-masks its own output", () => {
    const text =
      'Bucket "sales" of arn:aws:forecast:us-east-1:123456789012:dataset/emp_123456789 has password=hunter22.';
    const once = maskSensitive(text);
    expect(maskSensitive(text)).toBe(once);
    expect(maskSensitive(once)).toBe(once);
    expect(maskArn(maskArn("arn:aws:forecast:us-east-1:123456789012:dataset/emp_123456789"))).toBe(
      "arn:aws:forecast:us-east-1:123456789012:dataset/emp_[us-ssn]",
    );
    expect(maskSensitiveName("emp_123456789")).toBe("emp_[us-ssn]");
  });

  it("knows a masked text from an original", () => {
    expect(containsMask("arn:aws:forecast:us-east-1:123456789012:dataset/sales_[payment-card]")).toBe(true);
    expect(containsMask("arn:aws:forecast:us-east-1:123456789012:dataset/sales_2024")).toBe(false);
  });
});
