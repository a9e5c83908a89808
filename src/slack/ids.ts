/** Every slash command, action id, callback id and block id the Slack app uses, in one place. */

export const SLASH_COMMAND = "/forecast-audit";

export const ACTION_IDS = {
  findingFix: "finding:fix",
  findingSuppress: "finding:suppress",
  findingDetails: "finding:details",
  /** The overflow menu on compact finding rows; its option values are `fix:REF`, `suppress:REF`, `details:REF`. */
  findingMenu: "finding:menu",
  homeRefresh: "home:refresh",
} as const;

/** Routes the three finding buttons to one listener. */
export const FINDING_BUTTON_PATTERN = /^finding:(fix|suppress|details)$/;

export const FINDING_ACTION_KINDS = ["fix", "suppress", "details"] as const;
export type FindingActionKind = (typeof FINDING_ACTION_KINDS)[number];

export const CALLBACK_IDS = {
  /** The Fix modal; the approval flow will submit it. */
  fixModal: "finding:fix:modal",
  suppressModal: "finding:suppress:modal",
  detailsModal: "finding:details:modal",
  noticeModal: "notice:modal",
} as const;

export const BLOCK_IDS = {
  suppressReason: "suppress:reason",
  suppressDuration: "suppress:duration",
} as const;

export const INPUT_ACTION_IDS = {
  suppressReason: "suppress:reason:input",
  suppressDuration: "suppress:duration:input",
} as const;

/** The value of an overflow option: `KIND:REF`. */
export function menuValue(kind: FindingActionKind, ref: string): string {
  return `${kind}:${ref}`;
}
