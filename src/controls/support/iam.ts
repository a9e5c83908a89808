/** Identity policies of IAM principals: AWS managed ones by name, the rest by their documents. */
import { parseArn } from "../../domain/arn.js";
import type { AttachedPolicy, AuthorizationDetails, IamPrincipal } from "../../domain/inventory.js";
import { grantsAdministrator } from "../../domain/policy-analysis.js";
import type { PolicyDocument } from "../../domain/policy-document.js";
import { quoted } from "./text.js";

export function isAwsManagedPolicy(policy: AttachedPolicy): boolean {
  return parseArn(policy.arn)?.accountId === "aws";
}

/** The names of the AWS managed policies attached to the principal. */
export function awsManagedPolicyNames(principal: IamPrincipal): string[] {
  return principal.attachedPolicies.filter(isAwsManagedPolicy).map((p) => p.name);
}

export interface PolicySource {
  /** `inline policy "x"` or `managed policy "x"`, masked. */
  label: string;
  document: PolicyDocument;
}

export interface IdentityPolicies {
  documents: PolicySource[];
  /** Customer managed policies attached but missing from the authorization details. */
  missing: AttachedPolicy[];
}

/** Inline and customer managed policy documents of the principal. */
export function identityPolicies(
  principal: IamPrincipal,
  authorization: AuthorizationDetails | undefined,
): IdentityPolicies {
  const documents: PolicySource[] = principal.inlinePolicies.map((p) => ({
    label: `inline policy ${quoted(p.name)}`,
    document: p.document,
  }));
  const missing: AttachedPolicy[] = [];
  for (const attached of principal.attachedPolicies) {
    if (isAwsManagedPolicy(attached)) continue;
    const managed = authorization?.managedPolicies[attached.arn];
    if (managed)
      documents.push({ label: `managed policy ${quoted(managed.name)}`, document: managed.document });
    else missing.push(attached);
  }
  return { documents, missing };
}

/** True for AdministratorAccess or an Allow `*` on `*`, directly or (for users) through a group. */
export function isAdministrator(principal: IamPrincipal, authorization: AuthorizationDetails): boolean {
  const own = (p: IamPrincipal) =>
    awsManagedPolicyNames(p).includes("AdministratorAccess") ||
    identityPolicies(p, authorization).documents.some((d) => grantsAdministrator(d.document));
  if (own(principal)) return true;
  if (principal.kind !== "user") return false;
  const groups = authorization.principals.filter(
    (p) => p.kind === "group" && (principal.groups ?? []).includes(p.name),
  );
  return groups.some(own);
}
