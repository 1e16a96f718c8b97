// Memory sizing from measurements (runbook §4.2, §5): several `npm run bench:memory`
// runs, their spread, and the request/limit/heap cap they justify within the
// headroom ratio. Pure functions: scripts/bench/memory.ts and scripts/cli/size.ts do the I/O.
import { checkHeadroom, DEFAULT_MAX_RATIO, DEFAULT_MIN_RATIO, heapCapMiB } from "../policy-pack/rules/headroom";
import { formatMiB } from "../policy-pack/rules/quantity";
import { DEFAULT_LIMIT_RATIO } from "./config";

const MIB = 2 ** 20;

/** One gateway start, measured: boot peak (spawn → ready) and the steady-state distribution under load. */
export interface MemoryRun {
  readyMs: number;
  bootPeakBytes: number;
  p50Bytes: number;
  p95Bytes: number;
  maxBytes: number;
  /** P95 of the tree's RSS: counts pages shared with other processes in full, an upper bound. */
  rssP95Bytes?: number;
  calls: number;
  failures: number;
  samples: number;
}

/** What `npm run bench:memory -- --json <file>` writes, and `npm run size` reads. */
export interface MemoryMeasurement {
  command: string;
  date: string;
  gateway: { release: string; build?: string };
  seconds: number;
  concurrency: number;
  machine: { cpus: number; loadAverageBefore: number; loadAverageAfter: number };
  runs: MemoryRun[];
}

export interface Spread {
  min: number;
  median: number;
  max: number;
}

/** Nearest-rank percentile (the sample that is at least p% of the way up), as the bench reports it. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new Error("percentile of no samples");
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function spread(xs: readonly number[]): Spread {
  if (xs.length === 0) throw new Error("spread of no values");
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1] };
}

export function summarize(runs: readonly MemoryRun[]): { p95: Spread; bootPeak: Spread; readyMs: Spread; max: Spread } {
  return {
    p95: spread(runs.map((r) => r.p95Bytes)),
    bootPeak: spread(runs.map((r) => r.bootPeakBytes)),
    readyMs: spread(runs.map((r) => r.readyMs)),
    max: spread(runs.map((r) => r.maxBytes)),
  };
}

export const formatSpread = (s: Spread, f: (n: number) => string = formatMiB) => `min ${f(s.min)} / median ${f(s.median)} / max ${f(s.max)}`;

/**
 * The figures to size on: the highest P95 and the highest boot peak of all runs,
 * rounded up to whole MiB. The limit's 1.25× floor is meant to hold against every
 * run we saw, not the typical one: sizing on the median would put the floor under
 * the P95 of half the runs.
 */
export function sizingFigures(m: Pick<MemoryMeasurement, "runs">): { p95Bytes: number; bootPeakBytes: number } {
  if (m.runs.length === 0) throw new Error("the measurement has no runs");
  const up = (b: number) => Math.ceil(b / MIB) * MIB;
  return { p95Bytes: up(Math.max(...m.runs.map((r) => r.p95Bytes))), bootPeakBytes: up(Math.max(...m.runs.map((r) => r.bootPeakBytes))) };
}

export interface Recommendation {
  p95Bytes: number;
  bootPeakBytes: number;
  requestBytes: number;
  limitBytes: number;
  /** limit / max(P95, boot peak). */
  ratio: number;
  heapCapMiB: number;
  minRatio: number;
  maxRatio: number;
}

/** Request = the P95; limit = ratio × max(P95, boot peak) (the program's default ratio, clamped to the allowed band); heap cap = 75% of the limit. */
export function recommend(fig: { p95Bytes: number; bootPeakBytes: number }, band: { minRatio?: number; maxRatio?: number } = {}): Recommendation {
  const minRatio = band.minRatio ?? DEFAULT_MIN_RATIO;
  const maxRatio = band.maxRatio ?? DEFAULT_MAX_RATIO;
  const base = Math.max(fig.p95Bytes, fig.bootPeakBytes);
  const limitBytes = Math.ceil((base * Math.min(Math.max(DEFAULT_LIMIT_RATIO, minRatio), maxRatio)) / MIB) * MIB;
  const requestBytes = Math.ceil(fig.p95Bytes / MIB) * MIB;
  return { ...fig, requestBytes, limitBytes, ratio: limitBytes / base, heapCapMiB: heapCapMiB(limitBytes), minRatio, maxRatio };
}

/** A stack's memory figures as the program derives them (components/config/derive.ts effectiveMemory). */
export interface CommittedMemory {
  /** Where each figure is written, e.g. "Pulumi.prod.yaml" or "default (components/config/values.ts)". */
  p95: { bytes: number; from: string };
  bootPeak: { bytes: number; from: string };
  request: { bytes: number; from: string };
  limit: { bytes: number; from: string };
  minRatio: number;
  maxRatio: number;
}

export interface SizingFinding {
  /**
   * "fails": the stack is sized below what was measured. "note": the limit is more than
   * maxRatio above the measurement but within it of the committed observed figures (the
   * program refuses anything else), so those figures are higher than every run: lowering
   * them is a decision for a measurement that covers the busiest conditions, not a failure.
   */
  severity: "fails" | "note";
  key: string;
  /** Where the value comes from (stack file or the program's default). */
  from: string;
  value: string;
  right: string;
  why: string;
}

/**
 * Whether a stack's committed figures still hold against a measurement: the observed
 * figures at least as high as measured, the request at least the measured P95, and
 * the limit at least minRatio × the measured max(P95, boot peak). A limit above
 * maxRatio × the measurement is reported as a note (see SizingFinding.severity).
 */
export function checkCommitted(committed: CommittedMemory, fig: { p95Bytes: number; bootPeakBytes: number }): SizingFinding[] {
  const rec = recommend(fig, { minRatio: committed.minRatio, maxRatio: committed.maxRatio });
  const out: SizingFinding[] = [];
  if (committed.p95.bytes < fig.p95Bytes) {
    out.push({ severity: "fails", key: "resources.observed.p95WorkingSet", from: committed.p95.from, value: formatMiB(committed.p95.bytes), right: formatMiB(fig.p95Bytes), why: `below the measured P95 working set (highest of the runs) of ${formatMiB(fig.p95Bytes)}` });
  }
  if (committed.bootPeak.bytes < fig.bootPeakBytes) {
    out.push({ severity: "fails", key: "resources.observed.bootPeak", from: committed.bootPeak.from, value: formatMiB(committed.bootPeak.bytes), right: formatMiB(fig.bootPeakBytes), why: `below the measured boot peak (highest of the runs) of ${formatMiB(fig.bootPeakBytes)}` });
  }
  const verdict = checkHeadroom({ p95Bytes: fig.p95Bytes, bootPeakBytes: fig.bootPeakBytes, requestBytes: committed.request.bytes, limitBytes: committed.limit.bytes, minRatio: committed.minRatio, maxRatio: committed.maxRatio, figures: "the measured" });
  for (const problem of verdict.problems) {
    const isRequest = problem.startsWith("requests.memory") && !problem.includes("exceeds limits.memory");
    const severity = !isRequest && / at most [0-9.]+×/.test(problem) ? "note" : "fails";
    out.push(
      isRequest
        ? { severity, key: "resources.memoryRequest", from: committed.request.from, value: formatMiB(committed.request.bytes), right: formatMiB(rec.requestBytes), why: problem }
        : { severity, key: "resources.memoryLimit", from: committed.limit.from, value: formatMiB(committed.limit.bytes), right: formatMiB(rec.limitBytes), why: problem },
    );
  }
  return out;
}
