/** The transport controls' shared judgement of the Forecast API calls that CloudTrail recorded in one region. */
import type { Evaluation, FindingTarget } from "../../domain/control.js";
import type { ForecastApiEvent, RegionInventory } from "../../domain/inventory.js";
import { dateOf, plural } from "./text.js";
import type { ControlFindings } from "./verdict.js";

export interface RecordedCallsCheck {
  /** The calls the control can judge (they carry the detail it reads). */
  judged: (event: ForecastApiEvent) => boolean;
  /** The judged calls that fail the control. */
  failing: (event: ForecastApiEvent) => boolean;
  /** PASS detail, from "All 3 recorded Forecast API calls in us-east-1 since 2024-06-01". */
  pass: (all: string) => string;
  /** FAIL detail, from the failing calls and "3 recorded Forecast API calls in us-east-1 since …". */
  fail: (failing: ForecastApiEvent[], of: string) => string;
}

/**
 * PASS when every judged call passes, FAIL when one fails (a failing call is evidence even in a partial
 * read), ERROR when the read stopped at `cloudtrailMaxEvents` before the window's start (older calls were not
 * checked), not applicable when no call was recorded to judge.
 */
export function evaluateRecordedCalls(
  region: RegionInventory,
  target: FindingTarget,
  findings: ControlFindings,
  check: RecordedCallsCheck,
): Evaluation {
  const slice = region.forecastApiEvents;
  if (!slice.ok) return findings.error(target, slice.error);
  const { events, since, truncated } = slice.value;
  const window = `in ${region.region} since ${dateOf(since)}`;
  const judged = events.filter(check.judged);
  const failing = judged.filter(check.failing);
  if (failing.length > 0) {
    return findings.fail(
      target,
      check.fail(failing, `${plural(judged.length, "recorded Forecast API call")} ${window}`),
    );
  }
  if (truncated) {
    const error = {
      code: "EventLimitReached",
      message: `Only the ${events.length} most recent Forecast API calls recorded ${window} were read (cloudtrailMaxEvents)`,
      action: "cloudtrail:LookupEvents",
    };
    return findings.error(
      target,
      error,
      `Could not evaluate: only the ${events.length} most recent Forecast API calls recorded ${window} were read, so older ones were not checked; raise cloudtrailMaxEvents.`,
    );
  }
  if (judged.length === 0) {
    return findings.notApplicable(
      target,
      `No Forecast API call ${window} was recorded with the details to judge.`,
    );
  }
  const all =
    judged.length === 1
      ? "The one recorded Forecast API call"
      : `All ${judged.length} recorded Forecast API calls`;
  return findings.pass(target, check.pass(`${all} ${window}`));
}
