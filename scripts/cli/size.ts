// npm run size -- [--stack <name>]... [--measured <file>]
// Recommends memory request, limit and V8 heap cap from measured figures (several
// `npm run bench:memory` runs, written with --json) within each stack's headroom
// ratio, and says whether the figures committed for each stack still hold.
//
// Exit 0: every stack holds. 1: at least one is sized below the measurement (each
// line names the stack, the key, where it is set, its value and the value that
// would be right). A limit far above the measurement is a note, not a failure: the
// program already keeps it within the ratio of the committed observed figures.
// 2: bad usage or unreadable input.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { effectiveMemory, MEASURED_BOOT_PEAK, MEASURED_P95_WORKING_SET, MEASURED_SOURCE, type StackConfig } from "../../components/config";
import { checkCommitted, formatSpread, recommend, sizingFigures, spread, summarize, type CommittedMemory, type MemoryMeasurement } from "../../components/sizing";
import { rawProjectConfig } from "../../components/stack";
import { formatMiB } from "../../policy-pack/rules/quantity";
import { stackInput } from "./config-check";
import { parseFlags, Usage } from "./lib/args";

const REPO = resolve(__dirname, "../..");
/** The measurement the committed figures were sized from (docs/facts.md §1 says how it was taken). */
export const DEFAULT_MEASURED = "docs/measurements/gateway-memory.json";
/** Where a stack's committed config lives: the dev stack's Pulumi.dev.yaml is generated from a template. */
const STACK_FILES: Record<string, string> = { dev: "scripts/cli/dev/stack.yaml" };

const USAGE = [
  "usage: npm run size -- [--stack <name>]... [--measured <file>]",
  "  --stack <name>     a stack to check (Pulumi.<name>.yaml; dev: scripts/cli/dev/stack.yaml); default: every committed stack",
  `  --measured <file>  the runs of \`npm run bench:memory -- --json <file>\` (default: ${DEFAULT_MEASURED})`,
  "  exit 0: the committed figures hold; 1: they do not (key, file, value and the right value named); 2: bad usage or input",
].join("\n");

export function parseArgs(argv: string[]): { stacks: string[]; measured: string } {
  const { values: v } = parseFlags({ name: "size", usage: USAGE, options: { stack: { type: "string", multiple: true }, measured: { type: "string" } } }, argv);
  return { stacks: v.stack ?? [], measured: v.measured ?? join(REPO, DEFAULT_MEASURED) };
}

export function readMeasurement(file: string): MemoryMeasurement {
  let m: MemoryMeasurement;
  try {
    m = JSON.parse(readFileSync(file, "utf8")) as MemoryMeasurement;
  } catch (e) {
    throw new Usage(`size: --measured ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file; measure with `nice npm run bench:memory -- --json <file>`" : "not JSON written by npm run bench:memory -- --json"}`, 2);
  }
  const ok = Array.isArray(m?.runs) && m.runs.length > 0 && m.runs.every((r) => [r.p95Bytes, r.bootPeakBytes].every((x) => Number.isFinite(x) && x > 0));
  if (!ok) throw new Usage(`size: --measured ${file}: no runs with a P95 and a boot peak (written by npm run bench:memory -- --json)`, 2);
  return m;
}

export function stackFile(stack: string): string {
  return join(REPO, STACK_FILES[stack] ?? `Pulumi.${stack}.yaml`);
}

/** The memory figures a stack file gives the program, with where each comes from. */
export function committedMemory(stack: string): CommittedMemory {
  const file = stackFile(stack);
  if (!existsSync(file)) throw new Usage(`size: stack ${stack}: no stack file ${relative(process.cwd(), file)}`, 2);
  const raw = rawProjectConfig(stackInput(file, join(REPO, "Pulumi.yaml"), stack).config);
  const r = (raw.resources ?? {}) as Partial<StackConfig["resources"]>;
  const resources = {
    cpuRequest: "500m",
    ...r,
    observed: { p95WorkingSet: MEASURED_P95_WORKING_SET, bootPeak: MEASURED_BOOT_PEAK, source: MEASURED_SOURCE, ...(r.observed ?? {}) },
  } as StackConfig["resources"];
  const mem = effectiveMemory(resources);
  if (!mem) throw new Usage(`size: stack ${stack}: the memory figures in ${relative(REPO, file)} are not valid quantities; run npm run config:check -- ${relative(process.cwd(), file)}`, 2);
  const where = relative(REPO, file);
  const defaults = "default in components/config/values.ts";
  return {
    p95: { bytes: mem.p95Bytes, from: r.observed?.p95WorkingSet !== undefined ? where : defaults },
    bootPeak: { bytes: mem.bootPeakBytes, from: r.observed?.bootPeak !== undefined ? where : defaults },
    request: { bytes: mem.requestBytes, from: r.memoryRequest !== undefined ? where : `${defaults}: derived from the observed P95` },
    limit: { bytes: mem.limitBytes, from: r.memoryLimit !== undefined ? where : `${defaults}: derived from the observed figures` },
    minRatio: mem.minRatio,
    maxRatio: mem.maxRatio,
  };
}

function committedStacks(): string[] {
  const own = readdirSync(REPO)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined && !(s in STACK_FILES));
  return [...own, ...Object.keys(STACK_FILES)].sort();
}

function main(argv: string[]): number {
  try {
    const a = parseArgs(argv);
    const m = readMeasurement(a.measured);
    const s = summarize(m.runs);
    const fig = sizingFigures(m);
    const out = process.stdout;
    out.write(`measured: ${m.runs.length} runs of \`${m.command}\` on ${m.date} (openclaw ${m.gateway.release}, ${m.machine.cpus} cores, load average ${m.machine.loadAverageBefore.toFixed(1)} → ${m.machine.loadAverageAfter.toFixed(1)})\n`);
    out.write(`  P95 working set ${formatSpread(s.p95)}; boot peak ${formatSpread(s.bootPeak)}; tool calls ${formatSpread(spread(m.runs.map((r) => r.calls / m.seconds)), (n) => `${n.toFixed(1)}/s`)}\n`);
    out.write(`  sized on the highest run: P95 ${formatMiB(fig.p95Bytes)}, boot peak ${formatMiB(fig.bootPeakBytes)}\n`);
    let failed = 0;
    for (const stack of a.stacks.length ? a.stacks : committedStacks()) {
      const c = committedMemory(stack);
      const rec = recommend(fig, { minRatio: c.minRatio, maxRatio: c.maxRatio });
      const findings = checkCommitted(c, fig);
      out.write(
        `\nstack ${stack} (${relative(REPO, stackFile(stack))}, ratio ${c.minRatio}–${c.maxRatio}):\n` +
          `  committed:   observed P95 ${formatMiB(c.p95.bytes)}, boot peak ${formatMiB(c.bootPeak.bytes)}; request ${formatMiB(c.request.bytes)}, limit ${formatMiB(c.limit.bytes)} (${(c.limit.bytes / Math.max(fig.p95Bytes, fig.bootPeakBytes)).toFixed(2)}× the measured max(P95, boot peak))\n` +
          `  recommended: observed P95 ${formatMiB(rec.p95Bytes)}, boot peak ${formatMiB(rec.bootPeakBytes)}; request ${formatMiB(rec.requestBytes)}, limit ${formatMiB(rec.limitBytes)} (${rec.ratio.toFixed(2)}×), heap --max-old-space-size=${rec.heapCapMiB}\n`,
      );
      const fails = findings.filter((f) => f.severity === "fails");
      if (fails.length === 0) out.write("  holds\n");
      for (const f of fails) out.write(`  DOES NOT HOLD: ${f.key} = ${f.value} (${f.from}): ${f.why}; set ${f.right}\n`);
      for (const f of findings.filter((x) => x.severity === "note")) {
        out.write(`  note: ${f.key} = ${f.value} (${f.from}): ${f.why.replace(/: prefer throttling to blind doubling$/, "")}; the committed observed figures are above every run, so it stays until a measurement under the busiest conditions says ${f.right}\n`);
      }
      if (fails.length) failed++;
    }
    return failed ? 1 : 0;
  } catch (e) {
    if (e instanceof Usage) {
      (e.code === 0 ? process.stdout : process.stderr).write(`${e.message}\n`);
      return e.code;
    }
    process.stderr.write(`size: ${(e as Error).message}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
