import { describe, expect, it, vi } from "vitest";
import type { OrganizationConfig } from "../../config/schema.js";
import type { DiscoveredOrganization, OrgAccount } from "./discover-organization.js";
import type { OuNode } from "./ou-tree.js";
import { AccountSelectionError, resolveScanAccounts } from "./resolve-scan-accounts.js";

const root: OuNode = { id: "r-ab12", name: "Root", path: "Root", depth: 0 };
const prod: OuNode = {
  id: "ou-ab12-prod0001",
  name: "Prod",
  path: "Root/Prod",
  parentId: "r-ab12",
  depth: 1,
};
const payments: OuNode = {
  id: "ou-ab12-paym0001",
  name: "Payments",
  path: "Root/Prod/Payments",
  parentId: "ou-ab12-prod0001",
  depth: 2,
};
const dev: OuNode = { id: "ou-ab12-dev00001", name: "Dev", path: "Root/Dev", parentId: "r-ab12", depth: 1 };

const account = (id: string, name: string, ou: OuNode): OrgAccount => ({
  id,
  name,
  state: "ACTIVE",
  ouId: ou.id,
  ouPath: ou.path,
});

const discovered: DiscoveredOrganization = {
  managementAccountId: "100000000000",
  partition: "aws",
  accounts: [
    account("100000000000", "management", root),
    account("200000000001", "shop", prod),
    account("300000000001", "ledger", payments),
    account("400000000001", "sandbox", dev),
    account("400000000002", "Shop", dev),
  ],
  skipped: [{ ...account("300000000009", "old-ledger", payments), state: "SUSPENDED", reason: "not-active" }],
  ous: [root, prod, payments, dev],
  tree: { root, nodes: [root, prod, dev, payments] },
};

const org: OrganizationConfig = {
  roleName: "ForecastAudit",
  remediationRoleName: "ForecastAuditFix",
  externalId: "ext-123",
  includeOus: [],
  excludeAccounts: [],
  stackSetName: "forecast-audit-roles",
};

const configured = [
  {
    id: "200000000001",
    name: "webshop",
    roleArn: "arn:aws:iam::200000000001:role/CustomAudit",
    externalId: "other",
  },
  { id: "900000000001", name: "legacy", roleArn: "arn:aws:iam::900000000001:role/Audit" },
];

function deps(organization: OrganizationConfig | undefined) {
  return { configured, organization, discover: vi.fn(async () => discovered) };
}

describe("resolveScanAccounts", () => {
  it("adds every discovered account to the configured ones, the configuration winning for the same id", async () => {
    const d = deps(org);
    const resolved = await resolveScanAccounts({ accounts: configured }, d);
    expect(d.discover).toHaveBeenCalledTimes(1);
    expect(resolved.accounts.map((a) => a.id)).toEqual([
      "200000000001",
      "900000000001",
      "100000000000",
      "300000000001",
      "400000000001",
      "400000000002",
    ]);
    const shop = resolved.accounts[0];
    expect(shop).toMatchObject({
      name: "webshop",
      roleArn: "arn:aws:iam::200000000001:role/CustomAudit",
      externalId: "other",
      placement: { ouId: "ou-ab12-prod0001", ouPath: "Root/Prod" },
    });
    // A configured role is not the StackSet's: no StackSet advice for it.
    expect(shop?.onboarding).toBeUndefined();
    const ledger = resolved.accounts.find((a) => a.id === "300000000001");
    expect(ledger).toEqual({
      id: "300000000001",
      name: "ledger",
      roleArn: "arn:aws:iam::300000000001:role/ForecastAudit",
      remediationRoleArn: "arn:aws:iam::300000000001:role/ForecastAuditFix",
      externalId: "ext-123",
      placement: { ouId: "ou-ab12-paym0001", ouPath: "Root/Prod/Payments" },
      onboarding:
        "Deploy the StackSet forecast-audit-roles to OU Prod/Payments (ou-ab12-paym0001) so that role ForecastAudit exists in account 300000000001, and check that its trust policy allows this principal with the configured external id.",
    });
    expect(resolved.accounts.find((a) => a.id === "100000000000")?.onboarding).toContain(
      "management account, where a service-managed StackSet never deploys",
    );
    expect(resolved.notes.join(" ")).toContain(
      "Skipped 1 account(s) of the organization: 300000000009 (suspended)",
    );
  });

  it("narrows to an OU and everything below it, by name, path or id", async () => {
    for (const ou of ["prod", "Root/Prod", "ou-ab12-prod0001"]) {
      const resolved = await resolveScanAccounts(
        { accounts: [], selection: { accounts: [], ous: [ou] } },
        deps(org),
      );
      expect(resolved.accounts.map((a) => a.id).sort()).toEqual(["200000000001", "300000000001"]);
    }
  });

  it("picks accounts by id or name and refuses an ambiguous, skipped or unknown one instead of scanning everything", async () => {
    const byName = await resolveScanAccounts(
      { accounts: [], selection: { accounts: ["ledger", "legacy"], ous: [] } },
      deps(org),
    );
    expect(byName.accounts.map((a) => a.id)).toEqual(["300000000001", "900000000001"]);
    const run = (wanted: string) =>
      resolveScanAccounts({ accounts: [], selection: { accounts: [wanted], ous: [] } }, deps(org));
    // "webshop" (configured name of 200000000001) and "Shop" (400000000002) differ; "shop" only matches the latter now.
    await expect(run("sandbox")).resolves.toMatchObject({ accounts: [{ id: "400000000001" }] });
    await expect(run("old-ledger")).rejects.toThrow(
      "Account 300000000009 is suspended in the organization, so it is not audited.",
    );
    await expect(run("nobody")).rejects.toThrow(
      'Account "nobody" is neither configured nor an active account of the organization.',
    );
    await expect(run("nobody")).rejects.toBeInstanceOf(AccountSelectionError);
    await expect(
      resolveScanAccounts({ accounts: [], selection: { accounts: [], ous: ["Staging"] } }, deps(org)),
    ).rejects.toThrow('OU "Staging" is not in the organization');
  });

  it("refuses a name two accounts share", async () => {
    const twins: DiscoveredOrganization = {
      ...discovered,
      accounts: [...discovered.accounts, account("500000000001", "sandbox", prod)],
    };
    await expect(
      resolveScanAccounts(
        { accounts: [], selection: { accounts: ["sandbox"], ous: [] } },
        { configured, organization: org, discover: async () => twins },
      ),
    ).rejects.toThrow(
      'Account name "sandbox" is ambiguous (400000000001, 500000000001); give the account id.',
    );
  });

  it("without an organization, resolves the configured accounts only and says --ou needs one", async () => {
    const d = deps(undefined);
    const all = await resolveScanAccounts({ accounts: configured }, d);
    expect(all.accounts).toEqual(configured);
    expect(d.discover).not.toHaveBeenCalled();
    await expect(
      resolveScanAccounts({ accounts: [], selection: { accounts: [], ous: ["Prod"] } }, d),
    ).rejects.toThrow("--ou needs an organization: block in the configuration");
  });

  it("never falls back to the current account when the organization has nothing in scope", async () => {
    const empty: DiscoveredOrganization = { ...discovered, accounts: [], skipped: [] };
    await expect(
      resolveScanAccounts(
        { accounts: [] },
        { configured: [], organization: org, discover: async () => empty },
      ),
    ).rejects.toThrow(/No account to audit/);
  });
});
