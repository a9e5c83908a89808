import { describe, expect, it } from "vitest";
import {
  buildAccount,
  buildContext,
  buildDataset,
  buildForecastResource,
  buildImportJob,
  buildSecureAccount,
  denied,
  ROLE_ARN,
  withResources,
} from "../../test/support/inventory-builders.js";
import { S3_PATH_TYPES } from "../domain/inventory.js";
import { forecastS3PathsNoCredentials as control } from "./forecast-s3-paths-no-credentials.js";
import { credentialsInPath, redactPath } from "./support/s3-path-credentials.js";

const withPath = (path: string) =>
  control.evaluate(
    buildContext(
      withResources(buildAccount(), [
        buildImportJob({ name: "imp", config: { s3: [{ path, roleArn: ROLE_ARN, usage: "source" }] } }),
      ]),
    ),
  )[0];

describe("forecast-s3-paths-no-credentials", () => {
  it("passes jobs with plain S3 paths", () => {
    const findings = control.evaluate(buildContext(buildSecureAccount()));
    expect(findings.map((f) => [f.resourceType, f.status])).toEqual([
      ["forecast-dataset-import-job", "PASS"],
      // The pipeline's forecast was made without an S3 input (no TimeSeriesSelector).
      ["forecast-forecast", "N/A"],
      ["forecast-forecast-export-job", "PASS"],
    ]);
  });

  it.each(S3_PATH_TYPES.map((type) => [type]))("judges the S3 paths of every %s", (type) => {
    const resource = buildForecastResource(type, {
      config: {
        s3: [{ path: "s3://bucket/in.csv?X-Amz-Signature=0f1e2d", roleArn: ROLE_ARN, usage: "source" }],
      },
    });
    const [finding] = control.evaluate(buildContext(withResources(buildAccount(), [resource])));
    expect(finding).toMatchObject({ status: "FAIL", resourceArn: resource.arn });
  });

  it("covers every type whose configuration the collector can fill with an S3Config", () => {
    expect([...S3_PATH_TYPES].sort()).toEqual(
      [
        "dataset-import-job",
        "explainability",
        "explainability-export",
        "forecast",
        "forecast-export-job",
        "predictor-backtest-export-job",
        "what-if-analysis",
        "what-if-forecast",
        "what-if-forecast-export",
      ].sort(),
    );
    expect(control.scope).toEqual({ kind: "forecast", types: S3_PATH_TYPES });
  });

  it.each([
    ["s3://AKIAIOSFODNN7EXAMPLE@bucket/data/", "an AWS access key id"],
    [
      "s3://bucket/data.csv?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101",
      "an X-Amz-Credential parameter",
    ],
    ["s3://bucket/data.csv?X-Amz-Signature=0f1e2d3c4b5a", "an X-Amz-Signature parameter"],
    ["s3://bucket/data.csv?X-Amz-Security-Token=IQoJb3JpZ2luX2Vj", "an X-Amz-Security-Token parameter"],
    ["s3://admin:hunter22@bucket/data/", "user credentials before the bucket name"],
    ["s3://bucket/data.csv?token=abc123", "a token parameter"],
    ["s3://bucket/data.csv?sig=abc123", "a signature parameter"],
    ["s3://bucket/data.csv?password=abc123", "a password parameter"],
  ])("fails %s", (path, what) => {
    const finding = withPath(path);
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toContain(what);
    expect(finding?.detail).not.toMatch(/AKIAIOSFODNN7EXAMPLE|hunter22|abc123|0f1e2d3c4b5a|IQoJb3JpZ2luX2Vj/);
  });

  it.each([
    "s3://sales-data/AKIAIOSFODNN7EXAMPLE/wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY/items.csv",
    "s3://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY@sales-data/items.csv",
  ])("keeps the bucket of %s in the detail, and only the bucket", (path) => {
    const finding = withPath(path);
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toMatch(/^S3 path "s3:\/\/(\[secret\]@)?sales-data\//);
    expect(finding?.detail).not.toMatch(/AKIAIOSFODNN7EXAMPLE|wJalrXUtnFEMI|bPxRfiCYEXAMPLEKEY/);
  });

  it("redacts user info and parameter values", () => {
    expect(redactPath("s3://u:p@b/k?a=1&b=2")).toBe("s3://[secret]@b/k?a=[secret]&b=[secret]");
    expect(redactPath("s3://u:p/q@b/k")).toBe("s3://[secret]@b/k");
    expect(credentialsInPath("s3://bucket/2024/01/15/token_report/")).toEqual([]);
  });

  it("reports ERROR when a job's configuration could not be read", () => {
    const account = withResources(buildAccount(), [
      buildImportJob({ config: denied("forecast:DescribeDatasetImportJob") }),
    ]);
    expect(control.evaluate(buildContext(account))[0]?.status).toBe("ERROR");
  });

  it("yields nothing for types that carry no S3 path, and says N/A for a resource of one that has none", () => {
    expect(control.evaluate(buildContext(withResources(buildAccount(), [buildDataset()])))).toEqual([]);
    const explainability = buildForecastResource("explainability", { config: { s3: [] } });
    expect(control.evaluate(buildContext(withResources(buildAccount(), [explainability])))).toEqual([
      expect.objectContaining({ status: "N/A", resourceArn: explainability.arn }),
    ]);
  });
});
