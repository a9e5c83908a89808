/** Which CloudTrail trails count as "the" multi-region trail that logs all management events. */
import type { FindingTarget } from "../../domain/control.js";
import type { Finding } from "../../domain/finding.js";
import type { AccountInventory, TrailInventory } from "../../domain/inventory.js";
import { regionScopeTarget } from "./targets.js";
import { quoted } from "./text.js";
import { anyOf, type ControlFindings, fail, pass, type Verdict, error as verdictError } from "./verdict.js";

/** Passes when the trail is multi-region, logging, and records read and write management events. */
export function trailVerdict(trail: TrailInventory): Verdict {
  const name = `trail ${quoted(trail.name)}`;
  if (!trail.isMultiRegion) return fail(`${name} is not multi-region`);
  const problems: string[] = [];
  if (trail.status.ok && !trail.status.value.isLogging) problems.push(`${name} is not logging`);
  if (trail.selectors.ok && trail.selectors.value.managementEvents !== "All") {
    const events = trail.selectors.value.managementEvents;
    problems.push(
      events === "None"
        ? `${name} records no management events`
        : `${name} records only ${events} management events`,
    );
  }
  if (problems.length > 0) return fail(problems.join(" and "));
  if (!trail.status.ok) return verdictError(trail.status.error);
  if (!trail.selectors.ok) return verdictError(trail.selectors.error);
  return pass(`${name} is multi-region, logging, and records all management events`);
}

/** The trails listed in one region (ignoring ARNs the inventory does not hold), and the region's verdict. */
export function regionTrailVerdict(account: AccountInventory, trailArns: readonly string[]): Verdict {
  const trails = trailArns
    .map((arn) => account.trails[arn])
    .filter((t): t is TrailInventory => t !== undefined);
  if (trails.length === 0) return fail("no trail is configured");
  const verdicts = trails.map(trailVerdict);
  const verdict = anyOf(verdicts);
  if (verdict.status !== "fail") return verdict;
  return fail(
    verdicts
      .map((v) => (v.status === "fail" ? v.reason : ""))
      .filter((r) => r !== "")
      .join("; "),
  );
}

/** A trail's own finding target: its ARN, in its home region. */
export function trailTarget(account: AccountInventory, trail: TrailInventory): FindingTarget {
  return {
    accountId: account.accountId,
    region: trail.homeRegion,
    resourceArn: trail.arn,
    resourceType: "cloudtrail-trail",
  };
}

/**
 * For controls that judge each trail: `evaluate` over every trail `DescribeTrails` listed in a scanned region
 * (multi-region and organization trails appear in every region, single-region ones in theirs), against the
 * trail's own target; and an ERROR in each region whose trails could not be listed, since a trail there could
 * fail the control.
 */
export function evaluateEveryTrail(
  account: AccountInventory,
  findings: ControlFindings,
  evaluate: (trail: TrailInventory, target: FindingTarget) => Finding,
): Finding[] {
  const out: Finding[] = [];
  const listed = new Set<string>();
  for (const region of account.regions) {
    if (!region.trailArns.ok) {
      const target = regionScopeTarget(account, "cloudtrail", region.region, "cloudtrail-region");
      out.push(findings.error(target, region.trailArns.error));
      continue;
    }
    for (const arn of region.trailArns.value) listed.add(arn);
  }
  for (const arn of listed) {
    const trail = account.trails[arn];
    if (trail) out.push(evaluate(trail, trailTarget(account, trail)));
  }
  return out;
}
