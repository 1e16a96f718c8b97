// What the stack commands (ticket, smoke, diagnose with --stack) share: reading a
// stack's outputs with the Pulumi CLI they find themselves, and telling a
// render-only stack (local: manifests written to a directory, nothing deployed)
// from one that deploys, before any kubectl call could fail on it.
import { execFileSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { parse } from "yaml";

const REPO = join(__dirname, "..", "..");
const PROJECT = "openclaw-gateway-infra";
/** The stacks scripts/pulumi-env.sh gives the repo-local file backend. */
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
 * stacks always run through scripts/pulumi-env.sh (the bootstrapped CLI, their file
 * backend and public passphrase); any other stack uses the `pulumi` on PATH (your
 * login and secrets provider), else the bootstrapped CLI with the backend left to you.
 */
export function stackOutputsText(stack: string): string {
  const direct = !REPO_LOCAL_STACKS.includes(stack) && onPath("pulumi");
  const args = ["stack", "output", "--json", "--stack", stack];
  const [cmd, argv] = direct ? ["pulumi", args] : ["bash", [join(REPO, "scripts", "pulumi-env.sh"), "--stack", stack, "pulumi", ...args]];
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
