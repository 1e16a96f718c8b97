// What the stack commands (ticket, smoke, diagnose with --stack) share: reading a
// stack's outputs with the Pulumi CLI they find themselves, and telling a
// render-only stack (local: manifests written to a directory, nothing deployed)
// from one that deploys, before any kubectl call could fail on it.
import { execFileSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { parse } from "yaml";
import type { ChangeTicket, StackOutputs } from "../../../components/ticket";

const REPO = join(__dirname, "..", "..", "..");
const PROJECT = "openclaw-gateway-infra";
/** The stacks scripts/setup/pulumi-env.sh gives the repo-local file backend. */
const REPO_LOCAL_STACKS = ["local", "dev"];
/** How each repo-local stack gets its state, for "no stack named …". */
const CREATED_BY: Record<string, string> = { local: "npm run local:up", dev: "npm run dev:up" };

export class StackError extends Error {}

/** True when Pulumi.<stack>.yaml in the project sets `render` (the program then deploys nothing). */
export function renderOnlyStack(stack: string): boolean {
  let text: string;
  try {
    text = readFileSync(join(REPO, `Pulumi.${stack}.yaml`), "utf8");
  } catch {
    return false;
  }
  try {
    const doc = parse(text) as { config?: Record<string, unknown> } | null;
    return doc?.config?.[`${PROJECT}:render`] !== undefined;
  } catch {
    return false;
  }
}

/** The one sentence for a command that needs a deployed gateway, run on a render-only stack. */
export function renderOnlySentence(stack: string, action: string): string {
  return `stack ${stack} is render-only: nothing is deployed, so there is nothing to ${action}; use a stack that deploys, e.g. dev`;
}

function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      // next directory
    }
  }
  return false;
}

/**
 * `pulumi stack output --json --stack <stack>` (never --show-secrets). The repo-local
 * stacks always run through scripts/setup/pulumi-env.sh (the bootstrapped CLI, their file
 * backend and public passphrase); any other stack uses the `pulumi` on PATH (your
 * login and secrets provider), else the bootstrapped CLI with the backend left to you.
 */
function stackOutputsText(stack: string): string {
  const direct = !REPO_LOCAL_STACKS.includes(stack) && onPath("pulumi");
  const args = ["stack", "output", "--json", "--stack", stack];
  const [cmd, argv] = direct ? ["pulumi", args] : ["bash", [join(REPO, "scripts", "setup", "pulumi-env.sh"), "--stack", stack, "pulumi", ...args]];
  try {
    return execFileSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 2 ** 20 });
  } catch (e) {
    const err = e as { code?: string; status?: number; stderr?: string };
    if (err.code === "ENOENT") throw new StackError("bash is not on PATH; pass --outputs <file from `pulumi stack output --json`>");
    const stderr = (err.stderr ?? "").split("\n").filter((l) => l && !l.startsWith("pulumi-env: ")).join("\n").trim();
    if (err.status === 127) {
      throw new StackError(
        "no Pulumi CLI: the bootstrapped one is not built yet and none is on PATH. Run `npm run bootstrap:pulumi` once (it builds the pinned CLI into ~/.cache/openclaw-gateway-infra), or pass --outputs <file from `pulumi stack output --json`>",
      );
    }
    if (/no stack named/i.test(stderr) && CREATED_BY[stack]) {
      throw new StackError(`stack ${stack} has no state yet: run \`${CREATED_BY[stack]}\` first (pulumi said: ${stderr.split("\n")[0]})`);
    }
    throw new StackError(`pulumi stack output --stack ${stack} failed: ${stderr || `exit ${err.status}`}`);
  }
}

/**
 * The change ticket of a stack, the one contract the tools read: from `--outputs <file>`
 * (saved `pulumi stack output --json`) when given, else from the stack itself. Refuses,
 * with a StackError saying what to do, an unreadable or non-JSON file, a stack whose
 * outputs cannot be read, and outputs without a ticket. `action` names what the tool
 * was about to do, for the render-only sentence (see requireDeployed).
 */
export function readChangeTicket(a: { stack?: string; outputs?: string }): ChangeTicket {
  return ticketOf(readStackOutputs(a), a.outputs ?? `stack ${a.stack}`);
}

/** `pulumi stack output --json` of a stack, or the same saved in a file. */
export function readStackOutputs(a: { stack?: string; outputs?: string }): StackOutputs {
  let text: string;
  let what: string;
  if (a.outputs !== undefined) {
    what = `--outputs ${a.outputs}`;
    try {
      text = readFileSync(a.outputs, "utf8");
    } catch {
      throw new StackError(`${what}: cannot read the file`);
    }
  } else if (a.stack !== undefined) {
    what = `pulumi stack output --stack ${a.stack}`;
    text = stackOutputsText(a.stack);
  } else {
    throw new StackError("--stack or --outputs is required");
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as StackOutputs;
  } catch {
    throw new StackError(`${what}: not JSON; expected the output of \`pulumi stack output --json\``);
  }
}

function ticketOf(outputs: StackOutputs, from: string): ChangeTicket {
  const t = outputs.changeTicket;
  if (!t || typeof t !== "object" || !t.endpoints) throw new StackError(`${from} has no changeTicket output: run \`pulumi up\` for this stack first`);
  return t;
}

/** Refuses a ticket of a stack that deploys nothing (render-only), in the one sentence. */
export function requireDeployed(t: ChangeTicket, stack: string | undefined, action: string): void {
  if (t.renderedOnly) throw new StackError(renderOnlySentence(stack ?? t.stack, action));
}
