/**
 * `/forecast-audit`: ack at once, parse, then answer ephemerally or start (or join) a scan. The policy
 * (guard.ts) has already checked the workspace, the channel and the subcommand's role.
 */
import type { App, RespondFn, SlashCommand } from "@slack/bolt";
import { type SlashCommand as ParsedSlashCommand, parseCommand } from "../../command-parser.js";
import type { ListenerDeps } from "../../deps.js";
import { allowedBy } from "../../guard.js";
import { SLASH_COMMAND } from "../../ids.js";
import { LIMITS, type SlackMessage } from "../../limits.js";
import { COMMAND_KEYS } from "../../policy.js";
import type { ScanHandle } from "../../ports.js";
import { renderFindingsList } from "../../views/findings-list.js";
import { RECENT_SCANS_SHOWN, renderStatus } from "../../views/status.js";
import { renderHelp, renderNotice, renderUsageError } from "../../views/usage.js";

/** The open findings `findings` reads: one message's worth; the counts cover the rest. */
const FINDINGS_LIMIT = LIMITS.messageBlocks;

type Reply = (message: SlackMessage) => Promise<unknown>;

async function startScan(
  command: SlashCommand,
  scan: Extract<ParsedSlashCommand, { kind: "scan" }>,
  deps: ListenerDeps,
  reply: Reply,
): Promise<void> {
  const { user_id: userId, channel_id: channelId } = command;
  let handle: ScanHandle;
  try {
    handle = deps.ports.scans.start({
      ...(scan.accounts ? { accounts: scan.accounts } : {}),
      ...(scan.ous ? { ous: scan.ous } : {}),
      ...(scan.regions ? { regions: scan.regions } : {}),
      trigger: { kind: "slack", userId, channelId },
    });
  } catch (error) {
    // `start` throws only on a request it cannot run (an unknown account, a region Forecast lacks).
    await reply(
      renderNotice(":x: The scan could not start.", error instanceof Error ? error.message : String(error)),
    );
    return;
  }
  const posted = await deps.messenger.post(handle, {
    channel: channelId,
    userId,
    // The scope line names what was asked; OUs are resolved to accounts once the scan runs.
    accounts: [...(scan.accounts ?? []), ...(scan.ous ?? []).map((ou) => `OU ${ou}`)],
    regions: scan.regions ?? [],
  });
  if (posted.kind === "already-in-channel") {
    await reply(
      renderNotice(
        ":hourglass_flowing_sand: This scope is already being scanned here; the scan's message in this channel will show the result.",
      ),
    );
  } else if (posted.kind === "failed") {
    const notMember = posted.error === "not_in_channel" || posted.error === "channel_not_found";
    await reply(
      notMember
        ? renderNotice(
            "The scan is running, but I cannot post here. Invite me with `/invite @forecast-audit` to see its progress and result in this channel.",
          )
        : renderNotice("The scan is running, but its message could not be posted.", posted.error),
    );
  } else if (handle.joined) {
    await reply(
      renderNotice(
        ":handshake: A scan of this scope was already running; you joined it and its result will appear here.",
      ),
    );
  }
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.command(SLASH_COMMAND, async ({ ack, command, respond, context }) => {
    await ack();
    const parsed = parseCommand(command.text, deps.config);
    // The verdict must be for this very subcommand (the guard parses the same text the same way).
    if (!allowedBy(context, COMMAND_KEYS[parsed.ok ? parsed.command.kind : "usage"])) return;
    const reply: Reply = (m) =>
      (respond as RespondFn)({ response_type: "ephemeral", text: m.text, blocks: m.blocks });
    if (!parsed.ok) {
      await reply(renderUsageError(parsed.error));
      return;
    }
    const c = parsed.command;
    switch (c.kind) {
      case "help":
        await reply(renderHelp());
        return;
      case "status":
        await reply(
          renderStatus({
            running: deps.ports.scans.running(),
            lastScan: await deps.ports.findings.lastScan(),
            ...(deps.ports.scans.recent ? { recent: await deps.ports.scans.recent(RECENT_SCANS_SHOWN) } : {}),
          }),
        );
        return;
      case "findings": {
        const { records, counts } = await deps.ports.findings.openFindings({
          ...(c.minSeverity ? { minSeverity: c.minSeverity } : {}),
          limit: FINDINGS_LIMIT,
        });
        await reply(
          renderFindingsList({ records, counts, ...(c.minSeverity ? { minSeverity: c.minSeverity } : {}) }),
        );
        return;
      }
      case "digest": {
        // Posting a digest speaks in the channel, like a scan result: the same people, in the same channels.
        await reply(renderNotice(":newspaper: Posting the digest in this channel…"));
        deps.tasks.run("digest", async () => {
          try {
            await deps.ports.digest.postDigest(command.channel_id, command.user_id);
          } catch (error) {
            await reply(
              renderNotice(
                ":x: The digest could not be posted.",
                error instanceof Error ? error.message : String(error),
              ),
            );
            throw error;
          }
        });
        return;
      }
      case "scan":
        await startScan(command, c, deps, reply);
        return;
    }
  });
}
