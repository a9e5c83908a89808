import { describe, expect, it } from "vitest";
import {
  describeSensitiveKinds,
  detectSensitive,
  detectSensitiveInName,
  looksSensitive,
  looksSensitiveName,
  luhnValid,
  maskResourceArn,
  maskSensitive,
  maskSensitiveName,
  type SensitiveKind,
} from "./sensitive.js";

const kinds = (text: string) => detectSensitive(text).map((m) => m.kind);
const nameKinds = (name: string) => detectSensitiveInName(name).map((m) => m.kind);

describe("detectSensitive: true positives", () => {
  const cases: [string, SensitiveKind][] = [
    ["john@example.com", "email"],
    ["contact Jane.Doe+test@mail.example.co.uk now", "email"],
    ["+1 212-555-0143", "phone"],
    ["(212) 555-0143", "phone"],
    ["212.555.0143", "phone"],
    ["2125550143", "phone"],
    ["phone 12125550143", "phone"],
    ["+44 20 7946 0958", "phone"],
    ["+4915112345678", "phone"],
    ["4111 1111 1111 1111", "payment-card"],
    ["4111-1111-1111-1111", "payment-card"],
    ["card 4111111111111111 exp", "payment-card"],
    ["378282246310005", "payment-card"],
    ["5555555555554444", "payment-card"],
    ["123-45-6789", "us-ssn"],
    ["SSN: 123456789", "us-ssn"],
    ["social security 123 45 6789", "us-ssn"],
    ["AKIAIOSFODNN7EXAMPLE", "aws-access-key"],
    ["key=ASIAY34FZKBOKMUTVV7A", "aws-access-key"],
    ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "secret"],
    ["password=hunter22", "secret"],
    ["db_password: s3cr3t!", "secret"],
    ["api_key: abcdef123456", "secret"],
    ["client_secret=xyz987", "secret"],
    ["Authorization: Bearer abcdef0123456789", "secret"],
    ["Authorization: Basic dXNlcjpwYXNzd29yZA==", "secret"],
    ["-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "secret"],
    ["-----BEGIN OPENSSH PRIVATE KEY-----", "secret"],
    ["xoxb-123456789012-1234567890123-abcdefghijklmnop", "secret"],
    ["ghp_abcdefghijklmnopqrstuvwxyz0123456789", "secret"],
    ["s3://user:pass@bucket/prefix", "secret"],
    ["X-Amz-Signature=abcdef0123456789", "secret"],
    ["token=Zx81kPq0", "secret"],
    ["Q3VzdG9tZXJTZWNyZXRLZXlGb3JUZXN0aW5nT25seQ9xZ", "secret"],
  ];
  it.each(cases)("flags %j as %s", (text, kind) => {
    expect(kinds(text)).toContain(kind);
  });
});

describe("detectSensitive: false positives", () => {
  const clean = [
    "arn:aws:iam::123456789012:role/ForecastRole",
    "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:forecast:eu-west-1:210987654321:dataset-group/retail_demand_2024",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:MySecret-a1b2c3",
    "123456789012",
    "account 210987654321",
    "2024-01-15",
    "2024-01-15T10:20:30Z",
    "2024-01-15T10:20:30.123456789Z",
    "2024-01-15 10:20:30+02:00",
    "123e4567-e89b-12d3-a456-426614174000",
    "v1.2.3",
    "1.2.840.113549",
    "version 10.0.19041",
    "192.168.100.200",
    "1700000000",
    "1700000000000",
    "order 20240115123045",
    "123456789",
    "666-45-6789",
    "900-12-3456",
    "000-12-3456",
    "4111 1111 1111 1112",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "Forecast/Exports/Daily2024/RegionA/Sales",
    "s3://my-forecast-bucket/exports/2024/01/15/forecast_export_job_v2/",
    "ThisIsALongCamelCaseIdentifierForTesting2024",
    "Sales demand forecast for retail stores",
    "password=*** and token: [secret]",
    "passwordless: true",
    "basic forecasting pipeline",
    "Bearer of the forecasting budget",
    "auth: okta",
    "credential: iam-role",
    "cost-center 4000",
    "The security token included in the request is invalid.",
    "Rate exceeded (Request ID: 6f1c2d3e-4b5a-6789-0abc-def012345678)",
    "User: arn:aws:sts::123456789012:assumed-role/Audit/s is not authorized to perform: kms:DescribeKey",
  ];
  it.each(clean)("leaves %j alone", (text) => {
    expect(detectSensitive(text)).toEqual([]);
    expect(maskSensitive(text)).toBe(text);
  });
});

describe("maskSensitive", () => {
  it("replaces each match with its kind and keeps the rest", () => {
    expect(maskSensitive("<!channel> john@example.com")).toBe("<!channel> [email]");
    expect(maskSensitive("call +1 212-555-0143 or mail a@b.io")).toBe("call [phone] or mail [email]");
  });

  it("keeps the name of an assignment but not its value", () => {
    expect(maskSensitive("password=hunter22&user=bob")).toBe("password=[secret]&user=bob");
  });

  it("masks URL credentials and signed-URL parameters", () => {
    const masked = maskSensitive(
      "s3://u:p4ss@bucket/x?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101&X-Amz-Signature=abc123def",
    );
    expect(masked).not.toMatch(/p4ss|AKIAIOSFODNN7EXAMPLE|abc123def/);
    expect(masked).toContain("s3://[secret]@bucket");
  });

  it("is idempotent", () => {
    const once = maskSensitive("john@example.com, 4111 1111 1111 1111, password=abc123");
    expect(maskSensitive(once)).toBe(once);
  });

  it("never leaves a piece of overlapping matches behind", () => {
    const masked = maskSensitive("secret=AKIAIOSFODNN7EXAMPLE");
    expect(masked).not.toContain("AKIA");
  });
});

describe("detectSensitiveInName", () => {
  const flagged: [string, SensitiveKind][] = [
    ["john_doe_at_example_com", "email"],
    ["jdoe_gmail_com", "email"],
    ["jdoe_gmail", "email"],
    ["JohnDoe_AT_example_DOT_co_uk", "email"],
    ["retail_2125550143", "phone"],
    ["call_212_555_0143", "phone"],
    ["cust_4111111111111111", "payment-card"],
    ["card_4111_1111_1111_1111", "payment-card"],
    ["emp_123456789", "us-ssn"],
    ["emp_123_45_6789", "us-ssn"],
    ["AKIAIOSFODNN7EXAMPLE", "aws-access-key"],
  ];
  it.each(flagged)("flags %j as %s", (name, kind) => {
    expect(nameKinds(name)).toContain(kind);
    expect(looksSensitiveName(name)).toBe(true);
  });

  const clean = [
    "data_at_rest",
    "demand_outlook",
    "forecast_live",
    "ds_20240115",
    "ds_2024011512",
    "sales_2024_01_15",
    "ds_123456789012",
    "ds_1700000000",
    "RetailDemand2024Weekly",
    "my_forecast_v2_3",
    "retail_demand_dataset_group_for_north_america_2024",
    "store_999_12_3456",
    "emp_666456789",
  ];
  it.each(clean)("leaves %j alone", (name) => {
    expect(detectSensitiveInName(name)).toEqual([]);
  });

  it("masks the whole mangled address and only the digits of a number", () => {
    expect(maskSensitiveName("john_doe_at_example_com")).toBe("[email]");
    expect(maskSensitiveName("retail_2125550143")).toBe("retail_[phone]");
  });
});

describe("helpers", () => {
  it("luhnValid follows the Luhn check", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
  });

  it("looksSensitive is true only when something is detected", () => {
    expect(looksSensitive("john@example.com")).toBe(true);
    expect(looksSensitive("retail demand")).toBe(false);
  });

  it("describes the kinds found as a phrase", () => {
    expect(describeSensitiveKinds(detectSensitive("a@b.io and 212-555-0143"))).toBe(
      "an e-mail address and a phone number",
    );
  });
});

describe("maskResourceArn", () => {
  it("masks sensitive names in the resource part and keeps account and region readable", () => {
    expect(
      maskResourceArn("arn:aws:forecast:us-east-1:111122223333:dataset-group/promo_call_2125550143"),
    ).toBe("arn:aws:forecast:us-east-1:111122223333:dataset-group/promo_call_[phone]");
    expect(maskResourceArn("arn:aws:iam::111122223333:user/jane.doe@example.com")).toBe(
      "arn:aws:iam::111122223333:user/[email]",
    );
    const plain =
      "arn:aws:forecast:us-east-1:111122223333:dataset-import-job/retail_demand_items/items_backfill";
    expect(maskResourceArn(plain)).toBe(plain);
  });
});
