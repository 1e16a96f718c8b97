// npm run ticket -- --stack <name> [--outputs <file>] [--out-dir <dir>]
// Reads `pulumi stack output --json` (secrets stay masked) and writes the
// change-ticket section as Markdown and JSON.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { renderTicket, TicketError, type StackOutputs } from "../components/ticket-markdown";

const USAGE = "usage: npm run ticket -- --stack <name> [--outputs <file from `pulumi stack output --json`>] [--out-dir <dir>]";

function main(argv: string[]): number {
  const args = parseArgs(argv);
  if (!args.stack) return fail(`--stack is required\n${USAGE}`);
  let text: string;
  if (args.outputs) {
    try {
      text = fs.readFileSync(args.outputs, "utf8");
    } catch {
      return fail(`--outputs ${args.outputs}: cannot read the file`);
    }
  } else {
    try {
      // Never --show-secrets: secrets stay "[secret]" and never reach the ticket.
      text = execFileSync("pulumi", ["stack", "output", "--json", "--stack", args.stack], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      const err = e as { code?: string; stderr?: string };
      if (err.code === "ENOENT") return fail("the pulumi CLI is not on PATH: run `npm run bootstrap:pulumi` and `source scripts/pulumi-env.sh`, or pass --outputs <file>");
      return fail(`pulumi stack output --stack ${args.stack} failed: ${(err.stderr ?? "").trim()}`);
    }
  }
  let outputs: StackOutputs;
  try {
    outputs = JSON.parse(text) as StackOutputs;
  } catch {
    return fail(`${args.outputs ?? "pulumi stack output"}: not JSON; expected the output of \`pulumi stack output --json\``);
  }
  try {
    const now = new Date();
    const { markdown, json } = renderTicket(outputs, now);
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

function parseArgs(argv: string[]): { stack?: string; outputs?: string; outDir?: string } {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(stack|outputs|out-dir)$/.exec(argv[i]);
    if (!m || argv[i + 1] === undefined) {
      fail(`unexpected argument "${argv[i]}"\n${USAGE}`);
      process.exit(2);
    }
    out[m[1]] = argv[++i];
  }
  return { stack: out.stack, outputs: out.outputs, outDir: out["out-dir"] };
}

function fail(message: string): number {
  process.stderr.write(`ticket: ${message}\n`);
  return 1;
}

process.exitCode = main(process.argv.slice(2));
