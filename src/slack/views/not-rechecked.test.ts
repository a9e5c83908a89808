import { describe, expect, it } from "vitest";
import { makeFindings, recordOf } from "../../../test/support/slack-fakes.js";
import { renderFindingDetailsModal } from "./finding-details-modal.js";
import { renderFindingsList } from "./findings-list.js";

const since = new Date("2026-03-01T08:00:00Z");

describe("a finding the latest scans could not re-check, in Slack", () => {
  it("says so in the findings list, next to the right finding", () => {
    const [stale, fresh] = makeFindings(2);
    if (!stale || !fresh) throw new Error("two findings");
    const message = renderFindingsList({
      records: [recordOf(stale, { notRecheckedSince: since }), recordOf(fresh)],
    });
    const texts = (message.blocks ?? []).map((b) => JSON.stringify(b));
    const staleRow = texts.find((t) => t.includes(stale.resourceArn.slice(-12)));
    const freshRow = texts.find((t) => t.includes(fresh.resourceArn.slice(-12)));
    expect(staleRow).toContain(
      "Not re-checked since 2026-03-01 08:00 UTC: the verdict of that check stands.",
    );
    expect(freshRow).not.toContain("re-checked");
  });

  it("says so in the details modal", () => {
    const [finding] = makeFindings(1);
    if (!finding) throw new Error("a finding");
    const modal = renderFindingDetailsModal(recordOf(finding, { notRecheckedSince: since }));
    expect(JSON.stringify(modal)).toContain(
      "not re-checked since 2026-03-01 08:00 UTC: the verdict of that check stands",
    );
  });
});
