/** Examples shown at the end of each command's `--help`; every one runs as written from a clone. */
const RUN = "npm run forecast-audit --";

export const HELP_EXAMPLES: Record<string, readonly string[]> = {
  "": [
    "npm run demo  # the shipped demo account, no AWS needed",
    `${RUN} scan --region eu-west-1  # a table on stdout, progress on stderr`,
    `${RUN} <command> --help  # options and examples of one command`,
  ],
  scan: [
    `${RUN} scan --region us-east-1 --region eu-west-1`,
    `${RUN} scan --format json --fail-on high  # CI gate: exit 1 when high or critical fails`,
    `${RUN} scan --format sarif --output forecast-audit.sarif`,
    `${RUN} scan --format ocsf --output findings.ocsf.json`,
    `${RUN} scan --format html --output report.html  # one self-contained page, with the trend`,
    `${RUN} scan --inventory examples/demo-inventory.json --no-store`,
  ],
  collect: [
    `${RUN} collect --out inventory.json --region us-east-1  # written 0600: it holds tag values`,
    `${RUN} scan --inventory inventory.json`,
  ],
  findings: [
    `${RUN} findings  # what fails now`,
    `${RUN} findings --severity high --format json`,
    `${RUN} findings --status resolved --limit 20`,
  ],
  history: [`${RUN} history --limit 10`, `${RUN} history --finding '<finding key>'`],
  suppress: [
    `${RUN} suppress --control macie-enabled --reason "Macie is run by the central team" --for 90d`,
    `${RUN} suppress --finding '<finding key>' --reason "accepted by the CISO" --until 2027-06-30`,
  ],
  unsuppress: [`${RUN} unsuppress sup-abcd2345`],
  suppressions: [`${RUN} suppressions --all`],
  fix: [
    `${RUN} fix '<finding key>'  # the plan, from a fresh read; changes nothing`,
    `${RUN} fix '<finding key>' --apply --yes  # apply it, then re-check the control`,
  ],
  serve: [
    "SLACK_BOT_TOKEN=xoxb-… SLACK_SIGNING_SECRET=… npm run forecast-audit -- serve  # HTTP mode on $PORT",
    "SLACK_BOT_TOKEN=xoxb-… SLACK_APP_TOKEN=xapp-… npm run forecast-audit -- serve  # Socket Mode",
  ],
};

export function examplesText(command: string): string | undefined {
  const lines = HELP_EXAMPLES[command];
  if (!lines || lines.length === 0) return undefined;
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}\n`;
}
