import {
  AccessDeniedException,
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { discoverOrganization, OrganizationDiscoveryError } from "./discover-organization.js";
import { ORGANIZATION_PERMISSIONS } from "./permissions.js";

const orgs = mockClient(OrganizationsClient);
const client = () =>
  new OrganizationsClient({
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
    maxAttempts: 1,
  });

interface FakeAccount {
  id: string;
  name: string;
  state?: string;
}

/**
 * Root r-ab12 → Prod (ou-ab12-prod0001) → Payments (ou-ab12-paym0001); Dev (ou-ab12-dev00001) → Payments
 * (ou-ab12-paym0002): two OUs share a name. Accounts: 3 in Prod/Payments (one suspended), 25 in Prod (two pages
 * of 20), 1 in Dev, 1 in the root (the management account).
 */
function seedOrganization(): { calls: string[] } {
  const ous: Record<string, Array<{ Id: string; Name: string }>> = {
    "r-ab12": [
      { Id: "ou-ab12-prod0001", Name: "Prod" },
      { Id: "ou-ab12-dev00001", Name: "Dev" },
    ],
    "ou-ab12-prod0001": [{ Id: "ou-ab12-paym0001", Name: "Payments" }],
    "ou-ab12-dev00001": [{ Id: "ou-ab12-paym0002", Name: "Payments" }],
  };
  const accounts: Record<string, FakeAccount[]> = {
    "r-ab12": [{ id: "100000000000", name: "management" }],
    "ou-ab12-prod0001": Array.from({ length: 25 }, (_, i) => ({
      id: String(200000000000 + i),
      name: `prod-${i}`,
    })),
    "ou-ab12-paym0001": [
      { id: "300000000001", name: "payments-a" },
      { id: "300000000002", name: "payments-b" },
      { id: "300000000003", name: "payments-old", state: "SUSPENDED" },
    ],
    "ou-ab12-dev00001": [{ id: "400000000001", name: "dev-sandbox" }],
    "ou-ab12-paym0002": [],
  };
  const calls: string[] = [];
  orgs.on(DescribeOrganizationCommand).resolves({
    Organization: {
      Id: "o-abc",
      Arn: "arn:aws:organizations::100000000000:organization/o-abc",
      MasterAccountId: "100000000000",
    },
  });
  orgs.on(ListRootsCommand).resolves({ Roots: [{ Id: "r-ab12", Name: "Root" }] });
  orgs.on(ListOrganizationalUnitsForParentCommand).callsFake((input: { ParentId: string }) => {
    calls.push(`ous:${input.ParentId}`);
    return { OrganizationalUnits: ous[input.ParentId] ?? [] };
  });
  orgs.on(ListAccountsForParentCommand).callsFake((input: { ParentId: string; NextToken?: string }) => {
    calls.push(`accounts:${input.ParentId}${input.NextToken ? `@${input.NextToken}` : ""}`);
    const all = accounts[input.ParentId] ?? [];
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = all.slice(start, start + 20);
    return {
      Accounts: page.map((a) => ({
        Id: a.id,
        Name: a.name,
        State: a.state ?? "ACTIVE",
        Email: `${a.name}@example.com`,
      })),
      ...(start + 20 < all.length ? { NextToken: String(start + 20) } : {}),
    };
  });
  return { calls };
}

beforeEach(() => orgs.reset());

describe("discoverOrganization", () => {
  it("lists every active account of the organization with its OU path, through nested OUs and every page", async () => {
    const { calls } = seedOrganization();
    const found = await discoverOrganization(client(), { includeOus: [], excludeAccounts: [] });
    expect(found.managementAccountId).toBe("100000000000");
    expect(found.partition).toBe("aws");
    expect(found.accounts).toHaveLength(1 + 25 + 2 + 1);
    expect(found.accounts.find((a) => a.id === "300000000001")).toEqual({
      id: "300000000001",
      name: "payments-a",
      state: "ACTIVE",
      ouId: "ou-ab12-paym0001",
      ouPath: "Root/Prod/Payments",
    });
    expect(found.accounts.find((a) => a.id === "100000000000")?.ouPath).toBe("Root");
    // The second page of Prod's accounts was read.
    expect(calls).toContain("accounts:ou-ab12-prod0001@20");
    expect(found.accounts.filter((a) => a.ouId === "ou-ab12-prod0001")).toHaveLength(25);
    // Nothing of the e-mail address is kept.
    expect(JSON.stringify(found)).not.toContain("@example.com");
  });

  it("calls exactly the actions it declares (the templates grant those)", async () => {
    seedOrganization();
    await discoverOrganization(client(), { includeOus: [], excludeAccounts: [] });
    const called = new Set(
      orgs.calls().map((c) => `organizations:${c.args[0].constructor.name.replace(/Command$/, "")}`),
    );
    expect([...called].sort()).toEqual([...ORGANIZATION_PERMISSIONS]);
  });

  it("skips suspended and excluded accounts and says so, instead of auditing or dropping them silently", async () => {
    seedOrganization();
    const found = await discoverOrganization(client(), {
      includeOus: [],
      excludeAccounts: ["400000000001"],
    });
    expect(found.accounts.map((a) => a.id)).not.toContain("300000000003");
    expect(found.accounts.map((a) => a.id)).not.toContain("400000000001");
    expect(found.skipped.map((s) => [s.id, s.reason, s.state])).toEqual([
      ["400000000001", "excluded", "ACTIVE"],
      ["300000000003", "not-active", "SUSPENDED"],
    ]);
  });

  it("lists only the accounts under the included OUs, nested OUs included, by id, name or path", async () => {
    const { calls } = seedOrganization();
    const byName = await discoverOrganization(client(), { includeOus: ["prod"], excludeAccounts: [] });
    expect(new Set(byName.accounts.map((a) => a.ouPath))).toEqual(
      new Set(["Root/Prod", "Root/Prod/Payments"]),
    );
    expect(calls.filter((c) => c.startsWith("accounts:")).sort()).toEqual([
      "accounts:ou-ab12-paym0001",
      "accounts:ou-ab12-prod0001",
      "accounts:ou-ab12-prod0001@20",
    ]);
    const byPath = await discoverOrganization(client(), {
      includeOus: ["Dev/Payments", "ou-ab12-paym0001"],
      excludeAccounts: [],
    });
    expect(byPath.accounts.map((a) => a.id)).toEqual(["300000000001", "300000000002"]);
  });

  it("refuses an OU name that two OUs share, and one that does not exist, naming the field", async () => {
    seedOrganization();
    await expect(
      discoverOrganization(client(), { includeOus: ["Payments"], excludeAccounts: [] }),
    ).rejects.toThrow(
      /organization\.includeOus: OU "Payments" is ambiguous: Prod\/Payments \(ou-ab12-paym0001\), Dev\/Payments \(ou-ab12-paym0002\)/,
    );
    await expect(
      discoverOrganization(client(), { includeOus: ["Staging"], excludeAccounts: [] }),
    ).rejects.toThrow(/organization\.includeOus: OU "Staging" is not in the organization/);
  });

  it("turns a denied listing into an error that says where to run from, never an empty organization", async () => {
    seedOrganization();
    orgs.on(ListRootsCommand).rejects(
      new AccessDeniedException({
        message: "You don't have permissions to access this resource.",
        $metadata: {},
      }),
    );
    const error = await discoverOrganization(client(), { includeOus: [], excludeAccounts: [] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OrganizationDiscoveryError);
    expect((error as Error).message).toContain("organizations:ListRoots failed with AccessDeniedException");
    expect((error as Error).message).toContain("organization.managementRoleArn");
  });
});
