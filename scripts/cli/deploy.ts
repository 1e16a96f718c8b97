// npm run deploy -- --stack <name> [--preview] [--policy-pack-config <file>] [--record-dir <dir>] [-- <pulumi args>]
// `pulumi up` (or `pulumi preview`) with the policy pack, recording what the engine
// itself reported: its event log (every step with the keys that forced a
// replacement, every policy result) and which pack config was used. The change
// ticket reads that record; a ticket never states a policy verdict or a change
// summary that no engine produced.
//
// Records: <record-dir>/<stack>.<update|preview>.json and .events.jsonl (default
// tickets/engine), replaced by each run, also a failed one (the last attempt is
// what the board must see). Exit code: pulumi's.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { DEFAULT_RECORD_DIR, type EngineRecordFile } from "./engine-record";
import { parseFlags, Usage, usageError } from "./lib/args";

export const REPO = resolve(__dirname, "../..");

const USAGE = [
  "usage: npm run deploy -- --stack <name> [--preview] [--policy-pack-config <file>] [--record-dir <dir>] [-- <extra pulumi args>]",
  "  --stack <name>               the stack; runs `pulumi up --yes` on it with the policy pack in policy-pack/",
  "  --preview                    run `pulumi preview` instead (nothing is changed): the planned changes for the ticket",
  "  --policy-pack-config <file>  the pack's config (default: policy-pack/config/<stack>.json when it exists (dev: prod.json), else the pack's defaults)",
  `  --record-dir <dir>           where the engine record goes (default: ${DEFAULT_RECORD_DIR}); npm run ticket reads it from there`,
  "  -- <extra pulumi args>       passed on to pulumi (its own flags, such as --diff or --target)",
  "  Runs through scripts/setup/pulumi-env.sh: the bootstrapped Pulumi CLI; for local and dev also their repo-local backend.",
].join("\n");

interface Args {
  stack: string;
  preview: boolean;
  policyPackConfig?: string;
  recordDir: string;
  extra: string[];
}

export function parseArgs(argv: string[]): Args {
  const { values: v, rest } = parseFlags(
    {
      name: "deploy",
      usage: USAGE,
      rest: true,
      unknownHint: "pulumi's own flags go after --",
      options: { stack: { type: "string" }, preview: { type: "boolean" }, "policy-pack-config": { type: "string" }, "record-dir": { type: "string" } },
    },
    argv,
  );
  if (!v.stack) throw usageError("deploy", "--stack is required");
  // The record names the pack and config this run used; a second one passed through would make it wrong.
  const owned = rest.find((x) => /^--(policy-pack|policy-pack-config|event-log|stack)(=|$)|^-s$/.test(x));
  if (owned) throw usageError("deploy", `${owned.split("=")[0]} after -- is set by deploy itself; use deploy's own flags (--stack, --policy-pack-config)`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(v.stack)) throw usageError("deploy", `--stack ${JSON.stringify(v.stack.slice(0, 40))} is not a stack name (letters, digits, . _ -)`);
  return { stack: v.stack, preview: v.preview ?? false, policyPackConfig: v["policy-pack-config"], recordDir: v["record-dir"] ?? DEFAULT_RECORD_DIR, extra: rest };
}

/** Stacks checked with another stack's pack config: dev is held to prod's, the strictest (as npm run dev:up does). */
const PACK_CONFIG_OF: Record<string, string> = { dev: "prod" };

/** The pack config this run uses: the one given, else policy-pack/config/<stack>.json (dev: prod.json), else none. */
export function packConfigFor(stack: string, given: string | undefined): string | null {
  if (given !== undefined) {
    const p = resolve(given);
    if (!existsSync(p)) throw usageError("deploy", `--policy-pack-config ${given}: no such file`);
    return p;
  }
  const own = join(REPO, "policy-pack", "config", `${PACK_CONFIG_OF[stack] ?? stack}.json`);
  return existsSync(own) ? own : null;
}

async function main(argv: string[]): Promise<number> {
  let a: Args;
  let config: string | null;
  try {
    a = parseArgs(argv);
    config = packConfigFor(a.stack, a.policyPackConfig);
  } catch (e) {
    if (!(e instanceof Usage)) throw e;
    (e.code === 0 ? process.stdout : process.stderr).write(`${e.message}\n`);
    return e.code;
  }
  const kind = a.preview ? "preview" : "update";
  const work = mkdtempSync(join(tmpdir(), "openclaw-deploy-"));
  try {
    const events = join(work, "events.jsonl");
    const pulumiArgs = [
      a.preview ? "preview" : "up",
      ...(a.preview ? [] : ["--yes"]),
      "--non-interactive",
      "--stack", a.stack,
      "--policy-pack", join(REPO, "policy-pack"),
      ...(config ? ["--policy-pack-config", config] : []),
      "--event-log", events,
      ...a.extra,
    ];
    const startedAt = new Date().toISOString();
    process.stderr.write(`deploy: pulumi ${pulumiArgs.filter((x) => x !== events && x !== "--event-log").join(" ")}\n`);
    // The engine writes its event log only with PULUMI_DEBUG_COMMANDS set; Pulumi's own
    // Automation API sets it the same way to follow an update.
    const child = spawn("bash", [join(REPO, "scripts", "setup", "pulumi-env.sh"), "--stack", a.stack, "pulumi", ...pulumiArgs], {
      cwd: REPO,
      stdio: "inherit",
      env: { ...process.env, PULUMI_DEBUG_COMMANDS: "true" },
    });
    // Ctrl-C reaches pulumi from the terminal itself (same process group); forwarding it
    // too would count as a second Ctrl-C, which makes pulumi stop without cleaning up.
    // Stay alive through it to record what the engine did. SIGTERM is sent to us only.
    const ignore = () => {};
    const forward = () => child.kill("SIGTERM");
    process.on("SIGINT", ignore);
    process.on("SIGTERM", forward);
    const exitCode = await new Promise<number | null>((res, rej) => {
      child.on("error", rej);
      child.on("close", (code) => res(code));
    });
    process.off("SIGINT", ignore);
    process.off("SIGTERM", forward);
    if (!existsSync(events)) {
      process.stderr.write(`deploy: pulumi exited ${exitCode} before the engine wrote any event; nothing recorded\n`);
      return exitCode ?? 1;
    }
    const dir = resolve(a.recordDir);
    mkdirSync(dir, { recursive: true });
    const base = join(dir, `${a.stack}.${kind}`);
    const record: EngineRecordFile = {
      stack: a.stack,
      kind,
      command: `pulumi ${pulumiArgs.filter((x) => x !== events && x !== "--event-log").map((x) => (x.startsWith(REPO) ? relative(REPO, x) || "." : x)).join(" ")}`,
      policyPack: {
        path: "policy-pack",
        config: config ? (config.startsWith(REPO) ? relative(REPO, config) : config) : null,
        configSha256: config ? createHash("sha256").update(readFileSync(config)).digest("hex") : null,
      },
      startedAt,
      finishedAt: new Date().toISOString(),
      exitCode,
      events: `${a.stack}.${kind}.events.jsonl`,
    };
    // Event log first, then the record that points at it: a reader never sees a record without its log.
    renameOrCopy(events, `${base}.events.jsonl`);
    writeFileSync(`${base}.json.tmp`, `${JSON.stringify(record, null, 2)}\n`);
    renameSync(`${base}.json.tmp`, `${base}.json`);
    process.stderr.write(`deploy: recorded the engine's ${kind} in ${relative(process.cwd(), base)}.json (npm run ticket -- --stack ${a.stack} reads it)\n`);
    return exitCode ?? 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function renameOrCopy(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    // Another filesystem (tmpdir on tmpfs): copy, then the finally removes the original.
    writeFileSync(to, readFileSync(from));
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      process.stderr.write(`deploy: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
