import { describe, expect, it } from "vitest";
import { makeFindings, recordOf } from "../../../test/support/slack-fakes.js";
import { checkMessage, LIMITS } from "../limits.js";
import { renderFindingsList } from "./findings-list.js";

describe("/forecast-audit findings", () => {
  it("counts every open finding, not only the page of rows it was given", () => {
    const records = makeFindings(LIMITS.messageBlocks).map((f) => recordOf({ ...f, severity: "high" }));
    const message = renderFindingsList({
      records,
      counts: { critical: 0, high: 3000, medium: 0, low: 0 },
      minSeverity: "high",
    });
    const text = JSON.stringify(message.blocks);
    expect(text).toContain("3000 high");
    const shown = (message.blocks ?? []).length - 2;
    expect(text).toContain(`…and ${3000 - shown} more findings.`);
    expect(message.text).toBe("Forecast audit: 3000 open findings at or above high.");
    expect(checkMessage(message)).toEqual([]);
  });

  it("counts the rows themselves when no counts are given, and says when there is nothing open", () => {
    const [finding] = makeFindings(1);
    if (!finding) throw new Error("a finding");
    expect(renderFindingsList({ records: [recordOf({ ...finding, severity: "low" })] }).text).toBe(
      "Forecast audit: 1 open finding.",
    );
    const none = renderFindingsList({ records: [], counts: { critical: 0, high: 0, medium: 0, low: 0 } });
    expect(JSON.stringify(none.blocks)).toContain("No open findings.");
  });
});
