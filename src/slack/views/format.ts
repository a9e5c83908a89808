/** Wording shared by the views: severities, counts, scopes and times. */
import type { Finding } from "../../domain/finding.js";
import { SEVERITIES, type Severity, severityRank } from "../../domain/severity.js";
import { untrusted, untrustedCode } from "../mrkdwn.js";
import type { SeverityCounts } from "../ports.js";

const EMOJI: Record<Severity, string> = {
  critical: ":red_circle:",
  high: ":large_orange_circle:",
  medium: ":large_yellow_circle:",
  low: ":white_circle:",
};

export function severityBadge(severity: Severity): string {
  return `${EMOJI[severity]} *${severity.toUpperCase()}*`;
}

export function emptyCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0 };
}

export function countBySeverity(findings: readonly Finding[]): SeverityCounts {
  const counts = emptyCounts();
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}

/** `:red_circle: 2 critical · :large_orange_circle: 1 high` (zero counts left out; `none` when all are zero). */
export function countsLine(counts: SeverityCounts): string {
  const parts = SEVERITIES.filter((s) => counts[s] > 0).map((s) => `${EMOJI[s]} ${counts[s]} ${s}`);
  return parts.length > 0 ? parts.join(" · ") : "none";
}

/** Plain words for fallback text: `2 critical, 1 high`. */
export function countsWords(counts: SeverityCounts): string {
  const parts = SEVERITIES.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}

/** Code-unit order: ids and ARNs are ASCII, and localeCompare costs far more on thousands of findings. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Most severe first, then a stable order so pages never shuffle between renders. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    compareText(a.controlId, b.controlId) ||
    compareText(a.accountId, b.accountId) ||
    compareText(a.region, b.region) ||
    compareText(a.resourceArn, b.resourceArn)
  );
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `2 accounts · 3 regions`, or the ids themselves when there are few. */
export function scopeLine(accounts: readonly string[], regions: readonly string[]): string {
  const a =
    accounts.length === 0
      ? "all configured accounts"
      : accounts.length <= 3
        ? accounts.map(untrustedCode).join(", ")
        : plural(accounts.length, "account");
  const r =
    regions.length === 0
      ? "configured regions"
      : regions.length <= 3
        ? regions.map(untrustedCode).join(", ")
        : plural(regions.length, "region");
  return `${a} · ${r}`;
}

/** `2024-05-01 09:30 UTC`: readable, unambiguous, and the same for every viewer. */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** `123456789012 (prod)`, escaped. */
export function accountLabel(accountId: string, name?: string): string {
  return name ? `${untrustedCode(accountId)} (${untrusted(name)})` : untrustedCode(accountId);
}
