/**
 * The remediation flow over real AWS: fresh reads with the audit (read-only) role, fixes with the account's
 * remediation role (`remediationRoleArn`, else `roleArn`). Shared by `serve` and `forecast-audit fix`.
 */
import type { AuditedAccount, ClientFactory } from "../aws/client-factory.js";
import type { Config } from "../config/schema.js";
import { parseArn } from "../domain/arn.js";
import type { Logger } from "../logging/logger.js";
import type { Store } from "../store/types.js";
import { readFreshAccount } from "./read-fresh-account.js";
import { createRemediationFlow, type RemediationFlow } from "./remediation-flow.js";

export interface LiveFlowOptions {
  config: Config;
  store: Store;
  factory: Pick<ClientFactory, "forAccount">;
  logger?: Logger;
  now?: () => Date;
  /** Four-eyes applies to Slack; the CLI's local user approves their own command. */
  fourEyes?: boolean;
}

/**
 * The configured account; else, with an organization configured, the account's StackSet roles (a finding
 * exists only for an account a scan reached); else a bare one (the current credentials' account).
 */
export function auditedAccount(config: Config, accountId: string, partition = "aws"): AuditedAccount {
  const configured = config.accounts.find((a) => a.id === accountId);
  const org = config.organization;
  if (!configured && org) {
    const role = (name: string) => `arn:${partition}:iam::${accountId}:role/${name}`;
    const account: AuditedAccount = { id: accountId, roleArn: role(org.roleName) };
    if (org.remediationRoleName) account.remediationRoleArn = role(org.remediationRoleName);
    if (org.externalId) account.externalId = org.externalId;
    return account;
  }
  if (!configured) return { id: accountId };
  const account: AuditedAccount = { id: configured.id };
  if (configured.roleArn) account.roleArn = configured.roleArn;
  if (configured.remediationRoleArn) account.remediationRoleArn = configured.remediationRoleArn;
  if (configured.externalId) account.externalId = configured.externalId;
  return account;
}

export function createLiveRemediationFlow(options: LiveFlowOptions): RemediationFlow {
  const { config, factory } = options;
  // A fix re-reads its resource before it applies, so the partition of its account is known by then.
  const partitions = new Map<string, string>();
  return createRemediationFlow({
    store: options.store,
    readFresh: async (target) => {
      const partition = parseArn(target.finding.resourceArn)?.partition ?? "aws";
      partitions.set(target.finding.accountId, partition);
      return readFreshAccount(
        await factory.forAccount(auditedAccount(config, target.finding.accountId, partition), "audit"),
        target,
      );
    },
    remediationClients: (accountId) =>
      factory.forAccount(auditedAccount(config, accountId, partitions.get(accountId)), "remediate"),
    now: options.now ?? (() => new Date()),
    ttlHours: config.slack.requestTtlHours,
    fourEyes: options.fourEyes ?? config.slack.fourEyes,
    requireFips: config.requireFips,
    accountName: (id) => config.accounts.find((a) => a.id === id)?.name,
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
