/** The IAM actions the Security Hub export calls, in the account whose Security Hub receives the findings. */
export const SECURITY_HUB_EXPORT_PERMISSIONS: readonly string[] = ["securityhub:BatchImportFindings"];
