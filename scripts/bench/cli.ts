// npm run bench:cli [-- --runs 10] [--file <manifest>] [--kube-score <path>]
//
// Whole-process wall time of `policy:check` on one manifest file, side by side with
// kube-score on the same file: what a pre-commit hook or a CI gate pays per call.
// Three ways to start it: the compiled launcher directly (`node scripts/cli/run.js
// policy-check`), the npm script (`npm run -s policy:check`, which adds npm's own
// start-up) and, for reference, the TypeScript source under ts-node (what
// `npm run policy:check` ran before the tools were compiled). The commands run in
// turn (A B C D A B C D …) so a machine whose load drifts charges them alike;
// prints min, median and max of --runs runs each, and the load average before and after.
// Wall time on a shared machine is mostly its load; each run's CPU time (user + sys of the
// process and everything it waited for: its children's share of this process's
// /proc/self/stat, in the kernel's 10 ms ticks) is not, so its median is printed too (Linux only).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseCommandLine, usageExit } from "../cli/lib/args";

const ROOT = join(__dirname, "../..");
const USAGE = [
  "usage: npm run bench:cli -- [--runs N] [--file <manifest>] [--kube-score <path>] [--no-ts-node]",
  "  --runs N             runs per command (default 10)",
  "  --file <manifest>    the manifest all commands check (default test/fixtures/policy/good-gateway.yaml)",
  "  --kube-score <path>  the kube-score binary (default: the bootstrapped toolchain's, else",
  "                       ~/.cache/openclaw-gateway-infra/kube-score-v1.20.0/bin, else PATH)",
  "  --no-ts-node         leave out the TypeScript-source row (2 s a run)",
].join("\n");

const { values } = parseCommandLine(
  {
    name: "bench:cli",
    usage: USAGE,
    options: { runs: { type: "string" }, file: { type: "string" }, "kube-score": { type: "string" }, "no-ts-node": { type: "boolean" } },
  },
  process.argv.slice(2),
);
const runs = Number(values.runs ?? "10");
if (!Number.isInteger(runs) || runs < 1 || runs > 200) usageExit("bench:cli", `--runs ${values.runs}: expected a whole number from 1 to 200`);
const file = values.file ?? join(ROOT, "test/fixtures/policy/good-gateway.yaml");
if (!existsSync(file)) usageExit("bench:cli", `--file ${file}: no such file`);

function findKubeScore(): string {
  if (values["kube-score"]) return values["kube-score"];
  const toolchain = spawnSync("bash", [join(ROOT, "scripts/setup/pulumi-env.sh"), "printenv", "OPENCLAW_TOOLCHAIN"], { encoding: "utf8" }).stdout.trim();
  const cache = process.env.OPENCLAW_INFRA_CACHE ?? join(process.env.HOME ?? "/root", ".cache/openclaw-gateway-infra");
  const candidates = [toolchain && join(toolchain, "bin/kube-score"), join(cache, "kube-score-v1.20.0/bin/kube-score")];
  for (const c of candidates) if (c && existsSync(c)) return c;
  const onPath = spawnSync("sh", ["-c", "command -v kube-score"], { encoding: "utf8" }).stdout.trim();
  if (onPath) return onPath;
  usageExit("bench:cli", "no kube-score found: run `npm run bootstrap:pulumi` (it builds kube-score v1.20.0) or pass --kube-score <path>");
}

// The Node the npm scripts run on (node@24 devDependency), whatever `node` started this.
const node = join(ROOT, "node_modules/.bin/node");
const commands: Array<{ name: string; cmd: string; args: string[] }> = [
  { name: "policy:check, launcher (node scripts/cli/run.js)", cmd: node, args: [join(ROOT, "scripts/cli/run.js"), "policy-check", file] },
  { name: "policy:check, npm run -s", cmd: "npm", args: ["run", "-s", "policy:check", "--", file] },
  { name: "kube-score score", cmd: findKubeScore(), args: ["score", file] },
];
if (!values["no-ts-node"]) {
  commands.push({ name: "policy:check, TypeScript under ts-node", cmd: node, args: [join(ROOT, "node_modules/ts-node/dist/bin.js"), "--transpile-only", join(ROOT, "scripts/cli/policy-check.ts"), file] });
}

const TICK_MS = 10;
/** CPU ms of the children this process has waited for, undefined where there is no /proc. */
function childrenCpuMs(): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): cutime and cstime are the 14th and 15th.
    const f = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
    return (Number(f[13]) + Number(f[14])) * TICK_MS;
  } catch {
    return undefined;
  }
}

function wall(c: (typeof commands)[number]): { ms: number; cpuMs?: number; status: number | null } {
  const cpu0 = childrenCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c.cmd, c.args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, PATH: `${join(ROOT, "node_modules/.bin")}:${process.env.PATH}` } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) usageExit("bench:cli", `${c.name}: cannot start ${c.cmd}: ${r.error.message}`);
  const cpu1 = childrenCpuMs();
  return { ms, cpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0, status: r.status };
}

// One unmeasured run each: the first compiles the tool if it is stale and fills the caches.
const statuses = commands.map((c) => wall(c).status);
const times: number[][] = commands.map(() => []);
const cpuTimes: Array<Array<number | undefined>> = commands.map(() => []);
const before = loadavg()[0];
for (let r = 0; r < runs; r++) {
  commands.forEach((c, i) => {
    const w = wall(c);
    times[i].push(w.ms);
    cpuTimes[i].push(w.cpuMs);
  });
}
const after = loadavg()[0];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`file ${file}; ${runs} runs each, interleaved; ${cpus().length} cores, load average ${before.toFixed(1)} before, ${after.toFixed(1)} after`);
console.log(`${"command".padEnd(44)} ${"min ms".padStart(8)} ${"median ms".padStart(10)} ${"max ms".padStart(8)} ${"median CPU ms".padStart(14)}  exit`);
commands.forEach((c, i) => {
  const t = times[i];
  const cpu = cpuTimes[i].every((x) => x !== undefined) ? median(cpuTimes[i] as number[]).toFixed(0) : "n/a";
  console.log(`${c.name.padEnd(44)} ${Math.min(...t).toFixed(0).padStart(8)} ${median(t).toFixed(0).padStart(10)} ${Math.max(...t).toFixed(0).padStart(8)} ${cpu.padStart(14)}  ${statuses[i]}`);
});
const ks = median(times[2]);
console.log(`median ratio to kube-score: launcher ${(median(times[0]) / ks).toFixed(1)}×, npm run ${(median(times[1]) / ks).toFixed(1)}×`);
