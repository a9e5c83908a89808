/**
 * Registers every listener; one file per handler under commands/, actions/, views/, events/ and schedule/.
 * Each entry point needs an entry in the policy (policy.ts): the guard refuses any request without one, and
 * the registry test fails for a listener registered without one.
 */
import type { App } from "@slack/bolt";
import type { ListenerDeps } from "../deps.js";
import * as findingAction from "./actions/finding-action.js";
import * as fixChoice from "./actions/fix-choice.js";
import * as homeRefresh from "./actions/home-refresh.js";
import * as requestAction from "./actions/request-action.js";
import * as suppressionAction from "./actions/suppression-action.js";
import * as forecastAudit from "./commands/forecast-audit.js";
import * as appHomeOpened from "./events/app-home-opened.js";
import * as requestSweep from "./schedule/request-sweep.js";
import * as scanInterruptions from "./schedule/scan-interruptions.js";
import * as suppressionAnnouncements from "./schedule/suppression-announcements.js";
import * as fixSubmit from "./views/fix-submit.js";
import * as rejectSubmit from "./views/reject-submit.js";
import * as suppressSubmit from "./views/suppress-submit.js";

const ALL = [
  forecastAudit,
  findingAction,
  homeRefresh,
  suppressSubmit,
  appHomeOpened,
  fixSubmit,
  fixChoice,
  requestAction,
  rejectSubmit,
  suppressionAction,
  requestSweep,
  suppressionAnnouncements,
  scanInterruptions,
];

export function registerListeners(app: App, deps: ListenerDeps): void {
  for (const listener of ALL) listener.registerListeners(app, deps);
}
