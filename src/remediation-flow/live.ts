/**
 * The remediation flow over real AWS: fresh reads with the audit (read-only) role, fixes with the account's
 * remediation role (`remediationRoleArn`, else `roleArn`). Shared by `serve` and `forecast-audit fix`.
 */
import type { AuditedAccount, ClientFactory } from "../aws/client-factory.js";
import type { Config } from "../config/schema.js";
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

/** The configured account, or a bare one (the current credentials' account) when none is configured. */
export function auditedAccount(config: Config, accountId: string): AuditedAccount {
  const configured = config.accounts.find((a) => a.id === accountId);
  if (!configured) return { id: accountId };
  const account: AuditedAccount = { id: configured.id };
  if (configured.roleArn) account.roleArn = configured.roleArn;
  if (configured.remediationRoleArn) account.remediationRoleArn = configured.remediationRoleArn;
  if (configured.externalId) account.externalId = configured.externalId;
  return account;
}

export function createLiveRemediationFlow(options: LiveFlowOptions): RemediationFlow {
  const { config, factory } = options;
  return createRemediationFlow({
    store: options.store,
    readFresh: async (target) =>
      readFreshAccount(
        await factory.forAccount(auditedAccount(config, target.finding.accountId), "audit"),
        target,
      ),
    remediationClients: (accountId) => factory.forAccount(auditedAccount(config, accountId), "remediate"),
    now: options.now ?? (() => new Date()),
    ttlHours: config.slack.requestTtlHours,
    fourEyes: options.fourEyes ?? config.slack.fourEyes,
    requireFips: config.requireFips,
    accountName: (id) => config.accounts.find((a) => a.id === id)?.name,
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
