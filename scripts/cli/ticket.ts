// npm run ticket -- --stack <name> [--outputs <file>] [--out-dir <dir>] [--window-start … --window-end … --requester … --approver …]
// Reads `pulumi stack output --json` (secrets stay masked) and writes the
// change-ticket section as Markdown and JSON, with the change board's fields and
// the engine's own record of the update (npm run deploy) when there is one.
import * as fs from "node:fs";
import * as path from "node:path";
import type { StackOutputs } from "../../components/ticket";
import { renderTicket, TicketError } from "../../components/ticket-markdown";
import { parseCommandLine, usageExit } from "./lib/args";
import { readStackOutputs, StackError } from "./lib/stack";
import { approvalFrom, engineFrom, TICKET_INPUT_OPTIONS, TICKET_INPUT_USAGE } from "./ticket-inputs";

const USAGE = [
  "usage: npm run ticket -- --stack <name> [--outputs <file from `pulumi stack output --json`>] [--out-dir <dir>]",
  "  --stack <name>     the stack; its outputs come from `pulumi stack output --json` (secrets stay masked),",
  "                     run with the bootstrapped Pulumi CLI when none is on PATH (local and dev: always)",
  "  --outputs <file>   read the outputs from a file instead",
  "  --out-dir <dir>    where <stack>-<time>.md and .json are written (default: tickets)",
  ...TICKET_INPUT_USAGE,
].join("\n");

function main(argv: string[]): number {
  const args = parseArgs(argv);
  if (!args.stack) usageExit("ticket", "--stack is required (the stack whose ticket to write)");
  let approval;
  try {
    approval = approvalFrom(args.values);
  } catch (e) {
    // A malformed window or name is a usage error: nothing is written.
    if (e instanceof TicketError) usageExit("ticket", e.message);
    throw e;
  }
  let outputs: StackOutputs;
  try {
    // Never --show-secrets: secrets stay "[secret]" and never reach the ticket.
    outputs = readStackOutputs(args);
  } catch (e) {
    if (e instanceof StackError) return fail(e.message);
    throw e;
  }
  try {
    const now = new Date();
    const { markdown, json } = renderTicket(outputs, now, { approval, engine: engineFrom(args.stack, args.values) });
    const dir = args.outDir ?? "tickets";
    fs.mkdirSync(dir, { recursive: true });
    const base = path.join(dir, `${args.stack}-${now.toISOString().replace(/[:.]/g, "-")}`);
    fs.writeFileSync(`${base}.md`, markdown);
    fs.writeFileSync(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
    process.stdout.write(`${markdown}\n`);
    process.stderr.write(`wrote ${base}.md and ${base}.json\n`);
    return 0;
  } catch (e) {
    if (e instanceof TicketError) return fail(e.message);
    throw e;
  }
}

function parseArgs(argv: string[]) {
  const { values } = parseCommandLine(
    { name: "ticket", usage: USAGE, options: { stack: { type: "string" }, outputs: { type: "string" }, "out-dir": { type: "string" }, ...TICKET_INPUT_OPTIONS } },
    argv,
  );
  return { stack: values.stack, outputs: values.outputs, outDir: values["out-dir"], values };
}

function fail(message: string): number {
  process.stderr.write(`ticket: ${message}\n`);
  return 1;
}

process.exitCode = main(process.argv.slice(2));
