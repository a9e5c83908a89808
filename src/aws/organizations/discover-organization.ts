/**
 * Lists the accounts of an AWS Organization from its management account or a delegated administrator: the
 * OU tree from the root (ListRoots, ListOrganizationalUnitsForParent), then the accounts of each OU in scope
 * (ListAccountsForParent), nested OUs included. Accounts are named by their account name and OU path; those
 * that are not ACTIVE are skipped and listed as such, never audited and never silently dropped.
 */
import {
  DescribeOrganizationCommand,
  type OrganizationsClient,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListRoots,
} from "@aws-sdk/client-organizations";
import pLimit from "p-limit";
import { toCollectError } from "../errors.js";
import { type OuNode, type OuTree, resolveOuReferences } from "./ou-tree.js";

export interface OrgAccount {
  id: string;
  /** The account name in the organization (untrusted text). */
  name: string;
  /** `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, … (the account's `State`, else its `Status`). */
  state: string;
  ouId: string;
  ouPath: string;
}

export type SkipReason = "not-active" | "excluded";

export interface SkippedAccount extends OrgAccount {
  reason: SkipReason;
}

export interface DiscoveredOrganization {
  /** The management account (service-managed StackSets never deploy there). */
  managementAccountId?: string;
  /** `aws`, `aws-us-gov`, `aws-cn`, from the organization's ARN. */
  partition: string;
  /** Active accounts under the OUs in scope, minus the excluded ones, in OU path then id order. */
  accounts: OrgAccount[];
  /** Accounts in scope that are not audited, with why. */
  skipped: SkippedAccount[];
  /** The OUs whose accounts were listed (the included ones and every OU below them). */
  ous: OuNode[];
  /** The whole OU tree, for `--ou` selections. */
  tree: OuTree;
}

export interface DiscoverOptions {
  /** OU ids, names or paths (see `resolveOuReferences`); empty: the whole organization. */
  includeOus: readonly string[];
  excludeAccounts: readonly string[];
  /** Organizations calls in flight at once (its API allows a few per second; retries absorb throttling). */
  concurrency?: number;
}

/** Why the organization could not be listed: the scan cannot know its scope, so it stops with this message. */
export class OrganizationDiscoveryError extends Error {
  override readonly name = "OrganizationDiscoveryError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const HOW_TO_LIST =
  "Run forecast-audit with credentials of the management account or of a delegated administrator for AWS Organizations, or set organization.managementRoleArn to a role there that may call organizations:ListRoots, ListOrganizationalUnitsForParent, ListAccountsForParent and DescribeOrganization.";

async function call<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const e = toCollectError(error, action);
    const hint =
      e.code === "AWSOrganizationsNotInUseException"
        ? "These credentials' account is not in an organization."
        : HOW_TO_LIST;
    throw new OrganizationDiscoveryError(
      e.code,
      `The organization could not be listed: ${action} failed with ${e.code}: ${e.message.replace(/\.?\s*$/, "")}. ${hint}`,
    );
  }
}

async function collectPages<P, T>(pages: AsyncIterable<P>, pick: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(pick(page) ?? []));
  return out;
}

/** Walks the OU tree from the root, breadth first, a few parents at a time. */
async function readTree(client: OrganizationsClient, limit: ReturnType<typeof pLimit>): Promise<OuTree> {
  const roots = await call("organizations:ListRoots", () =>
    collectPages(paginateListRoots({ client }, {}), (p) => p.Roots),
  );
  const root = roots[0];
  if (!root?.Id) {
    throw new OrganizationDiscoveryError("NoRoot", "The organization has no root to list accounts from.");
  }
  const rootNode: OuNode = { id: root.Id, name: root.Name ?? "Root", path: root.Name ?? "Root", depth: 0 };
  const nodes: OuNode[] = [rootNode];
  let level: OuNode[] = [rootNode];
  while (level.length > 0) {
    const children = await Promise.all(
      level.map((parent) =>
        limit(() =>
          call("organizations:ListOrganizationalUnitsForParent", () =>
            collectPages(
              paginateListOrganizationalUnitsForParent({ client }, { ParentId: parent.id }),
              (p) => p.OrganizationalUnits,
            ),
          ),
        ).then((units) =>
          units
            .filter((u): u is typeof u & { Id: string } => typeof u.Id === "string")
            .map(
              (u): OuNode => ({
                id: u.Id,
                name: u.Name ?? u.Id,
                path: `${parent.path}/${u.Name ?? u.Id}`,
                parentId: parent.id,
                depth: parent.depth + 1,
              }),
            ),
        ),
      ),
    );
    level = children.flat();
    nodes.push(...level);
  }
  return { root: rootNode, nodes };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function discoverOrganization(
  client: OrganizationsClient,
  options: DiscoverOptions,
): Promise<DiscoveredOrganization> {
  const limit = pLimit(Math.max(1, options.concurrency ?? 4));
  const described = await call("organizations:DescribeOrganization", () =>
    client.send(new DescribeOrganizationCommand({})),
  );
  const organization = described.Organization;
  const partition = /^arn:([^:]+):/.exec(organization?.Arn ?? "")?.[1] ?? "aws";
  const tree = await readTree(client, limit);
  const resolved = resolveOuReferences(tree, options.includeOus);
  if (!resolved.ok) throw new OrganizationDiscoveryError("UnknownOu", resolved.error);
  const inScope = resolved.nodes;

  const perOu = await Promise.all(
    inScope.map((ou) =>
      limit(() =>
        call("organizations:ListAccountsForParent", () =>
          collectPages(paginateListAccountsForParent({ client }, { ParentId: ou.id }), (p) => p.Accounts),
        ),
      ).then((accounts) =>
        accounts
          .filter((a): a is typeof a & { Id: string } => typeof a.Id === "string")
          .map(
            (a): OrgAccount => ({
              id: a.Id,
              name: a.Name ?? a.Id,
              state: a.State ?? a.Status ?? "UNKNOWN",
              ouId: ou.id,
              ouPath: ou.path,
            }),
          ),
      ),
    ),
  );

  const excluded = new Set(options.excludeAccounts);
  const accounts: OrgAccount[] = [];
  const skipped: SkippedAccount[] = [];
  for (const account of perOu.flat()) {
    if (excluded.has(account.id)) skipped.push({ ...account, reason: "excluded" });
    else if (account.state !== "ACTIVE") skipped.push({ ...account, reason: "not-active" });
    else accounts.push(account);
  }
  const order = (a: OrgAccount, b: OrgAccount) => compareText(a.ouPath, b.ouPath) || compareText(a.id, b.id);
  const out: DiscoveredOrganization = {
    partition,
    accounts: accounts.sort(order),
    skipped: skipped.sort(order),
    ous: inScope,
    tree,
  };
  if (organization?.MasterAccountId) out.managementAccountId = organization.MasterAccountId;
  return out;
}
