import { describe, expect, it } from "vitest";
import {
  buildAccount,
  buildContext,
  buildIam,
  buildRootRow,
  buildUserRow,
  daysBefore,
  denied,
  ok,
} from "../../test/support/inventory-builders.js";
import type { CredentialReportRow } from "../domain/inventory.js";
import { iamRootNotUsed as control } from "./iam-root-not-used.js";

const withRows = (...rows: CredentialReportRow[]) =>
  control.evaluate(
    buildContext(
      buildAccount({ iam: buildIam({ credentialReport: ok({ generatedAt: daysBefore(0), rows }) }) }),
    ),
  );

describe("iam-root-not-used", () => {
  it("passes when root was last used more than 90 days ago", () => {
    expect(withRows(buildRootRow({ passwordLastUsed: daysBefore(91) }))[0]?.status).toBe("PASS");
    const { passwordLastUsed: _never, ...neverUsed } = buildRootRow();
    expect(withRows(neverUsed)[0]?.status).toBe("PASS");
  });

  it("fails a recent sign-in, with its date", () => {
    const [finding] = withRows(buildRootRow({ passwordLastUsed: daysBefore(10) }));
    expect(finding?.status).toBe("FAIL");
    expect(finding?.detail).toBe(
      `The root user signed in on ${daysBefore(10).slice(0, 10)}, within the last 90 days.`,
    );
  });

  it("fails recent use of either access key", () => {
    expect(
      withRows(buildRootRow({ accessKey1Active: true, accessKey1LastUsed: daysBefore(1) }))[0]?.detail,
    ).toMatch(/used access key 1/);
    expect(withRows(buildRootRow({ accessKey2LastUsed: daysBefore(89) }))[0]?.detail).toMatch(
      /used access key 2/,
    );
  });

  it("reports ERROR RootRowMissing when the report has no root row", () => {
    expect(withRows(buildUserRow("alice"))[0]).toMatchObject({
      status: "ERROR",
      error: { code: "RootRowMissing" },
    });
  });

  it("reports ERROR when the credential report could not be read", () => {
    const account = buildAccount({ iam: buildIam({ credentialReport: denied("iam:GetCredentialReport") }) });
    expect(control.evaluate(buildContext(account))[0]?.status).toBe("ERROR");
  });
});
