/** Every slash command, action id, callback id and block id the Slack app uses, in one place. */

export const SLASH_COMMAND = "/forecast-audit";

export const ACTION_IDS = {
  findingFix: "finding:fix",
  findingSuppress: "finding:suppress",
  findingDetails: "finding:details",
  /** The overflow menu on compact finding rows; its option values are `fix:REF`, `suppress:REF`, `details:REF`. */
  findingMenu: "finding:menu",
  homeRefresh: "home:refresh",
  /** The Fix modal's select of a plan option (key, tag); its option values are `all` or a candidate index. */
  fixChoice: "fix:choice",
  /** Buttons on a fix request message; their value is the request id and nothing else. */
  requestApprove: "request:approve",
  requestReject: "request:reject",
  requestRetry: "request:retry",
  requestRevert: "request:revert",
  /** Buttons on a suppression request message; their value is the suppression request id only. */
  suppressionApprove: "suppression:approve",
  suppressionReject: "suppression:reject",
} as const;

/** Routes the four request buttons to one listener. */
export const REQUEST_BUTTON_PATTERN = /^request:(approve|reject|retry|revert)$/;
export const REQUEST_ACTION_KINDS = ["approve", "reject", "retry", "revert"] as const;
export type RequestActionKind = (typeof REQUEST_ACTION_KINDS)[number];

/** Routes the two suppression request buttons to one listener. */
export const SUPPRESSION_BUTTON_PATTERN = /^suppression:(approve|reject)$/;
export const SUPPRESSION_ACTION_KINDS = ["approve", "reject"] as const;

/** Routes the three finding buttons to one listener. */
export const FINDING_BUTTON_PATTERN = /^finding:(fix|suppress|details)$/;

export const FINDING_ACTION_KINDS = ["fix", "suppress", "details"] as const;
export type FindingActionKind = (typeof FINDING_ACTION_KINDS)[number];

export const CALLBACK_IDS = {
  /** The Fix modal: the plan, an optional reason, and Request approval. */
  fixModal: "finding:fix:modal",
  /** The reason asked for when an approver rejects a request. */
  rejectModal: "request:reject:modal",
  suppressModal: "finding:suppress:modal",
  detailsModal: "finding:details:modal",
  noticeModal: "notice:modal",
} as const;

export const BLOCK_IDS = {
  suppressReason: "suppress:reason",
  suppressDuration: "suppress:duration",
  fixReason: "fix:reason",
  fixChoice: "fix:choice",
  rejectReason: "reject:reason",
} as const;

export const INPUT_ACTION_IDS = {
  suppressReason: "suppress:reason:input",
  suppressDuration: "suppress:duration:input",
  fixReason: "fix:reason:input",
  rejectReason: "reject:reason:input",
} as const;

/** The value of an overflow option: `KIND:REF`. */
export function menuValue(kind: FindingActionKind, ref: string): string {
  return `${kind}:${ref}`;
}
