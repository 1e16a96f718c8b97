// npm run bench:memory [-- --runs 5 --seconds 30 --concurrency 4 --json <file>]
// Measures the real gateway's memory the way the stack config's
// resources.observed figures are meant: the boot peak (spawn → ready) and the
// P95 of the proportional set size of the whole process tree (main process +
// workers) while tool calls run. One run is not sizing (the P95 moved by more than
// 10% between single runs on this machine), so it starts the gateway afresh
// `--runs` times, one after the other, and reports the spread; `--json` writes
// every run for `npm run size`. CPU heavy: run it under `nice`, one at a time.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { formatSpread, percentile, sizingFigures, spread, summarize, type MemoryMeasurement, type MemoryRun } from "../../components/sizing";
import { formatMiB } from "../../policy-pack/rules/quantity";
import { GATEWAY_VERSION, startGateway } from "../../test/support/gateway";
import { createNetns } from "../../test/support/netns";
import { parseFlags, Usage, usageError } from "../cli/lib/args";

const USAGE = [
  "usage: npm run bench:memory -- [--runs N] [--seconds S] [--concurrency C] [--json <file>]",
  "  --runs N         gateway starts, one after the other (default 5)",
  "  --seconds S      steady-state load per run (default 30)",
  "  --concurrency C  concurrent sessions_list tool calls (default 4)",
  "  --json <file>    also write every run as JSON (what `npm run size -- --measured <file>` reads)",
].join("\n");

interface Args {
  runs: number;
  seconds: number;
  concurrency: number;
  json?: string;
}

export function parseArgs(argv: string[]): Args {
  const { values: v } = parseFlags(
    { name: "bench:memory", usage: USAGE, options: { runs: { type: "string" }, seconds: { type: "string" }, concurrency: { type: "string" }, json: { type: "string" } } },
    argv,
  );
  const count = (flag: string, value: string | undefined, fallback: number, max: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^[0-9]+$/.test(value) || n < 1 || n > max) throw usageError("bench:memory", `--${flag} needs a whole number from 1 to ${max} (got ${JSON.stringify(value.slice(0, 20))})`);
    return n;
  };
  return {
    runs: count("runs", v.runs, 5, 50),
    seconds: count("seconds", v.seconds, 30, 3600),
    concurrency: count("concurrency", v.concurrency, 4, 64),
    ...(v.json !== undefined ? { json: v.json } : {}),
  };
}

/** The process tree under root (main process + workers). */
function treePids(root: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const inTree = (pid: number): boolean => pid === root || (parent.has(pid) && pid !== 1 && inTree(parent.get(pid)!));
  return [...parent.keys()].filter(inTree);
}

/** PSS and RSS of these processes, bytes. */
function treeMemory(pids: number[]): { pss: number; rss: number } {
  const total = { pss: 0, rss: 0 };
  for (const pid of pids) {
    try {
      // PSS counts pages shared between the main process and its workers once,
      // like the cgroup charge the kubelet's working set is computed from. RSS counts
      // them in every process, and pages shared with unrelated processes in full:
      // an upper bound, printed beside it.
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      total.pss += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) * 1024;
      total.rss += Number(/^Rss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

/** One fresh gateway: boot, `seconds` of tool calls, stop. */
async function measureOnce(seconds: number, concurrency: number): Promise<MemoryRun> {
  // Inside a network namespace of our own: the gateway's start-up lookups never leave it.
  const ns = createNetns("mem");
  try {
    const gw = await startGateway({ bind: "lan", netns: ns });
    try {
      const boot: number[] = [];
      const steady: number[] = [];
      const steadyRss: number[] = [];
      let ready = false;
      // Walking all of /proc takes longer than the sampling interval on a loaded machine:
      // find the tree once a second, read its memory every 100 ms.
      let pids = treePids(gw.pid);
      let scanned = Date.now();
      const sampler = setInterval(() => {
        if (Date.now() - scanned > 1000) {
          pids = treePids(gw.pid);
          scanned = Date.now();
        }
        const m = treeMemory(pids);
        if (!ready) return void boot.push(m.pss);
        steady.push(m.pss);
        steadyRss.push(m.rss);
      }, 100);
      try {
        const readyMs = await gw.waitReady(180_000);
        ready = true;
        const end = Date.now() + seconds * 1000;
        let calls = 0;
        let failures = 0;
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (Date.now() < end) {
              const r = await fetch(`${gw.baseUrl}/tools/invoke`, {
                method: "POST",
                headers: { authorization: `Bearer ${gw.token}`, "content-type": "application/json" },
                body: JSON.stringify({ tool: "sessions_list", args: {} }),
              }).catch(() => undefined);
              calls++;
              if (!r || r.status !== 200) failures++;
              await r?.arrayBuffer();
            }
          }),
        );
        if (steady.length === 0 || boot.length === 0) throw new Error("no memory samples were taken");
        return {
          readyMs: Math.round(readyMs),
          bootPeakBytes: Math.max(...boot),
          p50Bytes: percentile(steady, 50),
          p95Bytes: percentile(steady, 95),
          maxBytes: Math.max(...steady),
          rssP95Bytes: percentile(steadyRss, 95),
          calls,
          failures,
          samples: steady.length,
        };
      } finally {
        clearInterval(sampler);
      }
    } finally {
      await gw.stop();
    }
  } finally {
    ns.destroy();
  }
}

async function main(argv: string[]): Promise<number> {
  let a: Args;
  try {
    a = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof Usage)) throw e;
    (e.code === 0 ? process.stdout : process.stderr).write(`${e.message}\n`);
    return e.code;
  }
  const loadBefore = loadavg()[0];
  const runs: MemoryRun[] = [];
  for (let i = 1; i <= a.runs; i++) {
    const r = await measureOnce(a.seconds, a.concurrency);
    runs.push(r);
    console.log(
      `run ${i}/${a.runs}: ready ${(r.readyMs / 1000).toFixed(1)} s, boot peak ${formatMiB(r.bootPeakBytes)}, ` +
        `P50 ${formatMiB(r.p50Bytes)} P95 ${formatMiB(r.p95Bytes)} max ${formatMiB(r.maxBytes)}, RSS P95 ${formatMiB(r.rssP95Bytes ?? 0)} (${r.calls} calls, ${r.failures} failed, ${r.samples} samples)`,
    );
    if (r.failures > 0) console.log(`  warning: ${r.failures} tool calls failed in run ${i}; the load was lighter than asked`);
  }
  const m: MemoryMeasurement = {
    command: `npm run bench:memory -- --runs ${a.runs} --seconds ${a.seconds} --concurrency ${a.concurrency}`,
    date: new Date().toISOString(),
    gateway: { release: GATEWAY_VERSION },
    seconds: a.seconds,
    concurrency: a.concurrency,
    machine: { cpus: cpus().length, loadAverageBefore: loadBefore, loadAverageAfter: loadavg()[0] },
    runs,
  };
  const s = summarize(runs);
  const fig = sizingFigures(m);
  console.log(`openclaw ${GATEWAY_VERSION}, ${a.runs} runs × ${a.seconds} s with ${a.concurrency} concurrent sessions_list calls, ${m.machine.cpus} cores, load average ${loadBefore.toFixed(1)} → ${m.machine.loadAverageAfter.toFixed(1)}:`);
  console.log(`  P95 working set (PSS)  ${formatSpread(s.p95)}`);
  console.log(`  boot peak              ${formatSpread(s.bootPeak)}`);
  console.log(`  max under load         ${formatSpread(s.max)}`);
  console.log(`  P95 RSS (upper bound)  ${formatSpread(spread(runs.map((r) => r.rssP95Bytes ?? 0)))}`);
  console.log(`  ready after            ${formatSpread(s.readyMs, (ms) => `${(ms / 1000).toFixed(1)} s`)}`);
  // Fewer calls per second (a loaded machine, nice) mean less garbage between collections: a lower P95.
  console.log(`  tool calls             ${formatSpread(spread(runs.map((r) => r.calls / a.seconds)), (n) => `${n.toFixed(1)}/s`)}`);
  console.log(`suggested resources.observed (highest of the runs): {p95WorkingSet: "${formatMiB(fig.p95Bytes)}", bootPeak: "${formatMiB(fig.bootPeakBytes)}"}`);
  if (a.json) {
    writeFileSync(a.json, `${JSON.stringify(m, null, 2)}\n`);
    console.log(`wrote ${a.json}; check the stacks against it: npm run size -- --measured ${a.json}`);
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      console.error(`bench:memory: ${(e as Error).message}`);
      process.exitCode = 1;
    },
  );
}
