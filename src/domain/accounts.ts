/**
 * The accounts a scan covers: listed by hand in the configuration, discovered in an AWS Organization, or both.
 * Plain data, shared by the scan, the collectors, the store (the account directory) and the views.
 */

/** Where an account sits in its organization. */
export interface OrgPlacement {
  /** The id of the OU (or root) that holds the account directly: `ou-ab12-cdef3456`, `r-ab12`. */
  ouId: string;
  /** Its path from the root, names joined by `/`: `Root/Prod/Payments`. Untrusted text (OU names). */
  ouPath: string;
}

/** One account to audit, with the roles to assume in it. */
export interface ScanAccount {
  id: string;
  /** The configured name, else the organization's account name. Untrusted text when discovered. */
  name?: string | undefined;
  roleArn?: string | undefined;
  remediationRoleArn?: string | undefined;
  externalId?: string | undefined;
  placement?: OrgPlacement | undefined;
  /**
   * What to do when the audit role cannot be assumed in this account: one sentence naming the StackSet and
   * the OU to deploy it to. Set for discovered accounts; shown with the ERROR findings of such an account.
   */
  onboarding?: string | undefined;
}

/** Which accounts a scan asks for, by what people type: account ids or names, OU ids, names or paths. */
export interface AccountSelection {
  accounts: string[];
  ous: string[];
}

/** What the store keeps of every account it has seen: how to name it and where it sits. */
export interface AccountDirectoryEntry {
  accountId: string;
  name?: string;
  ouId?: string;
  ouPath?: string;
  source: "config" | "organization";
  /** When a scan last resolved it, ISO-8601. */
  seenAt: string;
}

/** The OU path people read: the root's own name is left out (`Prod/Payments`), and the root itself is `Root`. */
export function displayOuPath(ouPath: string): string {
  const slash = ouPath.indexOf("/");
  return slash < 0 ? ouPath : ouPath.slice(slash + 1);
}
