/** A readable line diff of two JSON policy documents, for the approver to see exactly what a fix changes. */
import type { PolicyDocument } from "./policy-document.js";

export type DiffOp = "same" | "add" | "remove";

export interface DiffLine {
  op: DiffOp;
  text: string;
}

/** What a missing document reads as in the view. */
export const NO_POLICY = "(no policy)";

/**
 * Pretty-prints a policy (text as AWS returns it, plain or URL-encoded, or a parsed document) with two-space
 * indentation and the keys in their original order; text that is not JSON is shown as it is.
 */
export function formatPolicy(policy: string | PolicyDocument | null): string {
  if (policy === null) return NO_POLICY;
  if (typeof policy !== "string") return JSON.stringify(policy, null, 2);
  const trimmed = policy.trim();
  const json = /^%7b/i.test(trimmed) ? safeDecode(trimmed) : trimmed;
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return policy;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The longest-common-subsequence diff of two line lists, with the common head and tail trimmed first. */
export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let tail = 0;
  while (
    tail < before.length - head &&
    tail < after.length - head &&
    before[before.length - 1 - tail] === after[after.length - 1 - tail]
  ) {
    tail++;
  }
  const a = before.slice(head, before.length - tail);
  const b = after.slice(head, after.length - tail);
  const middle = diffMiddle(a, b);
  return [
    ...before.slice(0, head).map((text): DiffLine => ({ op: "same", text })),
    ...middle,
    ...before.slice(before.length - tail).map((text): DiffLine => ({ op: "same", text })),
  ];
}

// Policies are small and appends touch only the tail, so a plain O(n·m) table is enough; past this size the
// middle is shown as removed-then-added, which is still correct, only less tight.
const MAX_TABLE_CELLS = 4_000_000;

function diffMiddle(a: readonly string[], b: readonly string[]): DiffLine[] {
  if (a.length === 0 || b.length === 0 || a.length * b.length > MAX_TABLE_CELLS) {
    return [
      ...a.map((text): DiffLine => ({ op: "remove", text })),
      ...b.map((text): DiffLine => ({ op: "add", text })),
    ];
  }
  const width = b.length + 1;
  const table = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i * width + j] =
        a[i] === b[j]
          ? (table[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(table[(i + 1) * width + j] ?? 0, table[i * width + j + 1] ?? 0);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const left = a[i] as string;
    const right = b[j] as string;
    if (left === right) {
      out.push({ op: "same", text: left });
      i++;
      j++;
    } else if ((table[(i + 1) * width + j] ?? 0) >= (table[i * width + j + 1] ?? 0)) {
      out.push({ op: "remove", text: left });
      i++;
    } else {
      out.push({ op: "add", text: right });
      j++;
    }
  }
  for (; i < a.length; i++) out.push({ op: "remove", text: a[i] as string });
  for (; j < b.length; j++) out.push({ op: "add", text: b[j] as string });
  return out;
}

const PREFIX: Record<DiffOp, string> = { same: "  ", add: "+ ", remove: "- " };

/**
 * The diff as text: `+ ` added, `- ` removed, `  ` unchanged lines; unchanged runs longer than twice
 * `context` are cut to `context` lines on each side of a `  …` line. Equal documents give `  (no change)`.
 */
export function renderDiff(lines: readonly DiffLine[], context = 3): string {
  if (!lines.some((line) => line.op !== "same")) return "  (no change)";
  const visible = lines.map((_, index) =>
    lines.slice(Math.max(0, index - context), index + context + 1).some((line) => line.op !== "same"),
  );
  const out: string[] = [];
  let skipping = false;
  lines.forEach((line, index) => {
    if (visible[index]) {
      out.push(PREFIX[line.op] + line.text);
      skipping = false;
    } else if (!skipping) {
      out.push("  …");
      skipping = true;
    }
  });
  return out.join("\n");
}

/** The readable diff of two policies (text or parsed; `null` for none). */
export function diffPolicies(
  before: string | PolicyDocument | null,
  after: string | PolicyDocument | null,
  context = 3,
): string {
  const left = before === null ? [] : formatPolicy(before).split("\n");
  const right = after === null ? [] : formatPolicy(after).split("\n");
  return renderDiff(diffLines(left, right), context);
}
