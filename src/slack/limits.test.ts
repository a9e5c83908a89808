import type { KnownBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import { checkMessage, checkView, LIMITS, packGroups, textLength } from "./limits.js";

const sectionOf = (text: string): KnownBlock => ({ type: "section", text: { type: "mrkdwn", text } });

describe("limits", () => {
  it("counts every text object", () => {
    expect(
      textLength([
        sectionOf("abc"),
        {
          type: "actions",
          elements: [{ type: "button", text: { type: "plain_text", text: "Fix" }, action_id: "a" }],
        },
      ]),
    ).toBe(6);
  });

  it("reports each broken limit", () => {
    const problems = checkMessage({
      text: "",
      blocks: [
        ...Array.from({ length: 51 }, () => sectionOf("x")),
        sectionOf("y".repeat(LIMITS.sectionText + 1)),
        { type: "header", text: { type: "plain_text", text: "h".repeat(151) } },
        {
          type: "actions",
          elements: [
            {
              type: "button",
              text: { type: "plain_text", text: "b".repeat(76) },
              action_id: "a",
              value: "v".repeat(2001),
            },
          ],
        },
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        "message: empty fallback text",
        "message: 54 blocks",
        expect.stringMatching(/^blocks\[51\]\.text: text 3001 > 3000$/),
        expect.stringMatching(/^blocks\[52\]\.text: text 151 > 150$/),
        expect.stringMatching(/^blocks\[53\]\.elements\[0\]\.text: text 76 > 75$/),
        "blocks[53].elements[0]: value too long",
      ]),
    );
  });

  it("caps the total text of a message below 50 full sections", () => {
    const blocks = Array.from({ length: 5 }, () => sectionOf("t".repeat(2900)));
    expect(checkMessage({ text: "t", blocks })).toEqual(["message: total text 14500 > 12000"]);
  });

  it("accepts a small valid message and modal", () => {
    expect(checkMessage({ text: "hi", blocks: [sectionOf("hello")] })).toEqual([]);
    expect(
      checkView({
        type: "modal",
        title: { type: "plain_text", text: "Title" },
        blocks: [sectionOf("hello")],
      }),
    ).toEqual([]);
    expect(
      checkView({
        type: "modal",
        title: { type: "plain_text", text: "A title that is far too long" },
        blocks: [],
      }),
    ).toHaveLength(1);
  });

  it("packs groups without splitting them and within both budgets", () => {
    const groups = Array.from({ length: 10 }, (_, i) => [sectionOf(`${i}`.repeat(10)), sectionOf("z")]);
    const pages = packGroups(groups, { maxBlocks: 5, maxText: 1000 });
    expect(pages.map((p) => p.length)).toEqual([4, 4, 4, 4, 4]);
    const byText = packGroups(groups, { maxBlocks: 50, maxText: 25 });
    expect(byText.every((p) => textLength(p) <= 25)).toBe(true);
    expect(byText.flat()).toHaveLength(20);
  });
});

describe("select menus", () => {
  const select = (options: number, initial?: string) => ({
    type: "actions" as const,
    elements: [
      {
        type: "static_select",
        action_id: "fix:choice",
        options: Array.from({ length: options }, (_, i) => ({
          text: { type: "plain_text", text: `key ${i}` },
          value: String(i),
        })),
        ...(initial !== undefined
          ? { initial_option: { text: { type: "plain_text", text: "x" }, value: initial } }
          : {}),
      },
    ],
  });

  it("accepts up to 100 options with an initial option among them", () => {
    expect(checkMessage({ text: "t", blocks: [select(100, "99")] as never })).toEqual([]);
  });

  it("flags too many options and an initial option that is not offered", () => {
    expect(checkMessage({ text: "t", blocks: [select(101)] as never }).join()).toContain(
      "101 static_select options",
    );
    expect(checkMessage({ text: "t", blocks: [select(3, "7")] as never }).join()).toContain("initial_option");
  });
});
