// npm run bench:smoke [-- --cold N --warm M]
// Target: complete evidence for both paths within 1 s of the gateway
// answering /readyz. Starts the real gateway (bind=lan) in a network namespace
// this script creates, polls /readyz every 20 ms on the pod IP, and at the first
// ready answer runs both paths at once:
//   inPod  — the bundled Job script, as a new `node` process inside the namespace,
//            against 127.0.0.1 (what kubectl port-forward reaches);
//   podIp  — the check library in this process against the namespace's address
//            (what a Service reaches).
// Prints per-run figures and min/median/max. Needs root (network namespaces).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { smokeBundle } from "../../components/smoke/bundle";
import { comparePaths } from "../../components/smoke/agreement";
import { runChecks, type Evidence } from "../../components/smoke/checks";
import { node24, startGateway, type RunningGateway } from "../../test/support/gateway";
import { createNetns, type Netns } from "../../test/support/netns";
import { parseCommandLine, usageExit } from "../cli/lib/args";

const USAGE = [
  "usage: npm run bench:smoke -- [--cold N] [--warm M]",
  "  --cold N   runs against a gateway that is still starting (default 3)",
  "  --warm M   runs against a ready gateway (default 10)",
].join("\n");
const { values } = parseCommandLine({ name: "bench:smoke", usage: USAGE, options: { cold: { type: "string" }, warm: { type: "string" } } }, process.argv.slice(2));

function arg(name: "cold" | "warm", dflt: number): number {
  if (values[name] === undefined) return dflt;
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) usageExit("bench:smoke", `--${name} ${values[name]}: expected a whole number ≥ 1`);
  return n;
}

function jobScript(script: string, netns: Netns, baseUrl: string, token: string): Promise<Evidence> {
  return new Promise((resolve, reject) => {
    const child = spawn(netns.execPrefix[0], [...netns.execPrefix.slice(1), node24(), script], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH, SMOKE_BASE_URL: baseUrl, SMOKE_PATH_NAME: "inPod", SMOKE_BUDGET_MS: "10000", SMOKE_TERMINATION_LOG: "/dev/null", OPENCLAW_GATEWAY_TOKEN: token },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", () => {
      try {
        resolve(JSON.parse(out.trim().split("\n").pop() ?? "") as Evidence);
      } catch {
        reject(new Error(`job script printed no evidence: ${out}`));
      }
    });
  });
}

async function bothPaths(script: string, ns: Netns, gw: RunningGateway) {
  const t0 = performance.now();
  let inPodMs = 0;
  let podIpMs = 0;
  const [inPod, podIp] = await Promise.all([
    jobScript(script, ns, gw.inPodUrl, gw.token).then((e) => ((inPodMs = performance.now() - t0), e)),
    runChecks({ baseUrl: gw.baseUrl!, token: gw.token, budgetMs: 10_000, pathName: "podIp" }).then((e) => ((podIpMs = performance.now() - t0), e)),
  ]);
  const agreement = comparePaths(inPod, podIp, { bind: "lan" });
  return { totalMs: performance.now() - t0, inPodMs, podIpMs, signedOff: agreement.signedOff };
}

async function readyAt(gw: RunningGateway, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      const res = await fetch(`${gw.baseUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json().catch(() => ({}))) as { ready?: boolean };
      if (res.status === 200 && body.ready === true) return performance.now();
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gateway not ready in ${timeoutMs} ms:\n${gw.output().slice(-1500)}`);
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const f = (v: number) => `${v.toFixed(0)} ms`;
  return `min ${f(s[0])}  median ${f(s[Math.floor(s.length / 2)])}  max ${f(s[s.length - 1])}  (n=${s.length})`;
};

async function main() {
  const cold = arg("cold", 3);
  const warm = arg("warm", 10);
  const dir = mkdtempSync(join(tmpdir(), "openclaw-bench-smoke-"));
  const script = join(dir, "smoke.cjs");
  writeFileSync(script, smokeBundle());
  const afterReady: number[] = [];
  const readyFromSpawn: number[] = [];
  const warmTotals: number[] = [];
  let failures = 0;
  try {
    for (let i = 0; i < cold; i++) {
      const ns = createNetns("bn");
      let gw: RunningGateway | undefined;
      try {
        gw = await startGateway({ bind: "lan", netns: ns });
        const ready = await readyAt(gw, 120_000);
        const r = await bothPaths(script, ns, gw);
        const fromReady = performance.now() - ready;
        afterReady.push(fromReady);
        readyFromSpawn.push(ready - gw.spawnedAt);
        if (!r.signedOff) failures++;
        console.log(`cold run ${i + 1}: /readyz 200 after ${(ready - gw.spawnedAt).toFixed(0)} ms from spawn; both paths' evidence ${fromReady.toFixed(0)} ms after ready (inPod ${r.inPodMs.toFixed(0)} ms incl. node start, podIp ${r.podIpMs.toFixed(0)} ms)${r.signedOff ? "" : " NOT SIGNED OFF"}`);
        if (i === cold - 1) {
          for (let j = 0; j < warm; j++) {
            const w = await bothPaths(script, ns, gw);
            warmTotals.push(w.totalMs);
            if (!w.signedOff) failures++;
          }
        }
      } finally {
        await gw?.stop();
        ns.destroy();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log("");
  console.log(`gateway cold start to /readyz 200:            ${stats(readyFromSpawn)}`);
  console.log(`readiness to complete evidence, both paths:   ${stats(afterReady)}   target < 1000 ms`);
  if (warmTotals.length) console.log(`both paths on a warm gateway:                 ${stats(warmTotals)}`);
  console.log(`runs not signed off: ${failures}`);
  process.exitCode = failures === 0 ? 0 : 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
