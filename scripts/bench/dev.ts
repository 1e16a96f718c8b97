// npm run bench:dev [-- --skip-up] [--samples N] [--every-seconds S]
// Measures, on the local cluster, and prints:
//   1. `npm run dev:up` wall time from start to the signed-off smoke evidence in the
//      ticket (cluster cached; images cached after the first build), unless --skip-up;
//   2. the gateway pods' real working set as the kubelet reports it (summary API
//      /api/v1/nodes/<node>/proxy/stats/summary, container "gateway"), idle and while
//      `npm run smoke -- --stack dev` runs both paths, next to the stack's configured
//      observed P95 and its memory limit;
//   3. the time `npm run smoke -- --stack dev` takes.
import { execFileSync, spawn } from "node:child_process";
import { parseCommandLine, usageExit } from "../cli/lib/args";

const USAGE = [
  "usage: npm run bench:dev -- [--skip-up] [--samples N] [--every-seconds S]",
  "  --skip-up            measure the running dev stack; do not run `npm run dev:up` first",
  "  --samples N          working-set samples per phase (default 6)",
  "  --every-seconds S    seconds between samples (default 10)",
].join("\n");
const { values } = parseCommandLine(
  { name: "bench:dev", usage: USAGE, options: { "skip-up": { type: "boolean" }, samples: { type: "string" }, "every-seconds": { type: "string" } } },
  process.argv.slice(2),
);
const flag = (name: "--skip-up") => values[name.slice(2) as "skip-up"] === true;
const num = (name: "--samples" | "--every-seconds", dflt: number) => {
  const v = values[name.slice(2) as "samples" | "every-seconds"];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) usageExit("bench:dev", `${name} ${v}: expected a positive number`);
  return n;
};
const samples = num("--samples", 6);
const everyMs = num("--every-seconds", 10) * 1000;
const MI = 2 ** 20;

function sh(cmd: string, argv: string[]): string {
  return execFileSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * MI });
}

function timed(cmd: string, argv: string[]): Promise<{ code: number | null; seconds: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "inherit", "inherit"] });
    child.on("close", (code) => resolve({ code, seconds: (performance.now() - t0) / 1000 }));
  });
}

/** The engine's environment (PATH with pulumi, the file backend) for `pulumi stack output`. */
function engineEnv(): void {
  const out = sh("bash", ["-c", 'source scripts/setup/pulumi-env.sh --stack dev && env -0']);
  for (const line of out.split("\0")) {
    const i = line.indexOf("=");
    if (i > 0) process.env[line.slice(0, i)] = line.slice(i + 1);
  }
}

interface Summary {
  node: { nodeName: string };
  pods: { podRef: { name: string; namespace: string }; containers?: { name: string; memory?: { workingSetBytes?: number } }[] }[];
}

function workingSets(node: string, namespace: string): Map<string, number> {
  const s = JSON.parse(sh("kubectl", ["--context", "openclaw-dev", "get", "--raw", `/api/v1/nodes/${node}/proxy/stats/summary`])) as Summary;
  const out = new Map<string, number>();
  for (const p of s.pods) {
    if (p.podRef.namespace !== namespace) continue;
    const ws = p.containers?.find((c) => c.name === "gateway")?.memory?.workingSetBytes;
    if (ws !== undefined) out.set(p.podRef.name, ws);
  }
  return out;
}

async function sampleWhile(node: string, ns: string, n: number, every: number): Promise<Map<string, number[]>> {
  const all = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    for (const [pod, ws] of workingSets(node, ns)) all.set(pod, [...(all.get(pod) ?? []), ws]);
    if (i < n - 1) await new Promise((r) => setTimeout(r, every));
  }
  return all;
}

const mib = (b: number) => `${Math.round(b / MI)}Mi`;

async function main(): Promise<void> {
  const results: string[] = [];
  if (!flag("--skip-up")) {
    const up = await timed("npm", ["run", "-s", "dev:up"]);
    if (up.code !== 0) throw new Error(`npm run dev:up exited ${up.code}`);
    results.push(`dev:up, start to signed-off smoke evidence in the ticket: ${up.seconds.toFixed(1)} s`);
  }
  const status = sh("npm", ["run", "-s", "cluster:status"]).trim().split("\n");
  process.env.KUBECONFIG = status[status.length - 1].replace(/^KUBECONFIG=/, "");
  engineEnv();
  const outputs = JSON.parse(sh("pulumi", ["stack", "output", "--json", "--stack", "dev"]));
  const t = outputs.changeTicket;
  if (t?.smoke?.status !== "signed-off") throw new Error(`stack dev is not signed off (smoke status ${t?.smoke?.status}); run npm run dev:up`);
  const ns = t.endpoints.namespace as string;
  const node = sh("kubectl", ["--context", "openclaw-dev", "get", "nodes", "-o", "jsonpath={.items[0].metadata.name}"]).trim();

  const idle = await sampleWhile(node, ns, samples, everyMs);
  const smokeRun = timed("npm", ["run", "-s", "smoke", "--", "--stack", "dev"]);
  const busy = await sampleWhile(node, ns, 3, 5000);
  const smoke = await smokeRun;
  results.push(`npm run smoke -- --stack dev (both paths): ${smoke.seconds.toFixed(1)} s, exit ${smoke.code}`);
  results.push(`configured: observed P95 ${t.resources.observed.p95WorkingSet}, boot peak ${t.resources.observed.bootPeak}, request ${t.resources.requests.memory}, limit ${t.resources.limits.memory}, heap cap ${t.resources.nodeHeapCapMiB} MiB`);
  for (const [pod, v] of idle) {
    const b = busy.get(pod) ?? [];
    results.push(
      `kubelet working set ${pod}: idle min ${mib(Math.min(...v))} max ${mib(Math.max(...v))} (${v.length} samples, ${everyMs / 1000} s apart)` +
        (b.length ? `; during a smoke run max ${mib(Math.max(...b))}` : ""),
    );
  }
  process.stdout.write(`${results.join("\n")}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench:dev: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
