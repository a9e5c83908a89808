/** The IAM actions organization discovery calls, in the management or a delegated-administrator account. */
export const ORGANIZATION_PERMISSIONS: readonly string[] = [
  "organizations:DescribeOrganization",
  "organizations:ListAccountsForParent",
  "organizations:ListOrganizationalUnitsForParent",
  "organizations:ListRoots",
];
