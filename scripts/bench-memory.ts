// npm run bench:memory [-- --seconds 60 --concurrency 4]
// Measures the real gateway's memory the way the stack config's
// resources.observed figures are meant: the boot peak (spawn → ready) and the
// P95 of the resident set of the whole process tree (main process + workers)
// while tool calls run. Prints numbers; re-run it with your own gateway config
// and put the results in resources.observed.
import { readdirSync, readFileSync } from "node:fs";
import { startGateway } from "../test/support/gateway";
import { createNetns } from "../test/support/netns";

const args = Object.fromEntries(
  process.argv.slice(2).reduce<[string, string][]>((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const seconds = Number(args.seconds ?? 30);
const concurrency = Number(args.concurrency ?? 4);

function treePssBytes(root: number): number {
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
  let total = 0;
  for (const pid of parent.keys()) {
    if (!inTree(pid)) continue;
    try {
      // PSS counts pages shared between the main process and its workers once,
      // like the cgroup charge the kubelet's working set is computed from.
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

const mib = (b: number) => `${Math.round(b / 2 ** 20)}Mi`;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

async function main(): Promise<void> {
  // Inside a network namespace of our own: the gateway's start-up lookups never leave it.
  const ns = createNetns("mem");
  const gw = await startGateway({ bind: "lan", netns: ns });
  try {
    const boot: number[] = [];
    let ready = false;
    const sampler = setInterval(() => {
      const rss = treePssBytes(gw.pid);
      (ready ? steady : boot).push(rss);
    }, 100);
    const steady: number[] = [];
    const readyMs = await gw.waitReady(120_000);
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
    clearInterval(sampler);
    console.log(`gateway ready after ${(readyMs / 1000).toFixed(1)} s (spawn → /readyz 200)`);
    console.log(`boot peak (spawn → ready, ${boot.length} samples): ${mib(Math.max(...boot))}`);
    console.log(`steady with ${concurrency} concurrent sessions_list calls for ${seconds} s (${calls} calls, ${failures} failed, ${steady.length} samples):`);
    console.log(`  P50 ${mib(pct(steady, 50))}  P95 ${mib(pct(steady, 95))}  max ${mib(Math.max(...steady))}`);
    console.log(`suggested resources.observed: {p95WorkingSet: "${mib(pct(steady, 95))}", bootPeak: "${mib(Math.max(...boot))}"}`);
  } finally {
    await gw.stop();
    ns.destroy();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
