// Memory headroom (runbook §4.2, §5): request near the observed P95 working set,
// limit 25–40% above the larger of P95 and the boot peak, and a V8 heap cap under
// the limit because V8 sizes its heap from host RAM, not the cgroup (openclaw #45160, #35773).
import { formatMiB, mibFromBytes } from "./quantity";

/**
 * What the gateway of this release line uses when nobody has measured their own: P95
 * working set and boot peak of openclaw 2026.9.6 on 2 cores with no channels (main
 * process 739–800 MB RSS plus two workers of ~68 and ~105 MB; `npm run bench:memory`).
 * Without observed figures the pack holds requests and limits to these as a floor and
 * never advises going below them.
 */
export const RELEASE_FOOTPRINT = { release: "2026.9", p95WorkingSet: "1013Mi", bootPeak: "937Mi" } as const;

export const DEFAULT_MIN_RATIO = 1.25;
export const DEFAULT_MAX_RATIO = 1.4;
/** Share of the memory limit given to the V8 old space (upstream uses ~75%). */
const HEAP_FRACTION = 0.75;
/** The heap cap must leave at least this share of the limit for workers, buffers and native memory. */
export const MAX_HEAP_FRACTION = 0.85;

export interface HeadroomInput {
  /** Observed P95 resident working set, bytes. */
  p95Bytes: number;
  /** Observed boot peak, bytes (V8 start-up can exceed steady state). */
  bootPeakBytes?: number;
  requestBytes?: number;
  limitBytes?: number;
  minRatio?: number;
  maxRatio?: number;
  /** How to name the figures in messages (default: "the observed"). */
  figures?: string;
  /** Skip the upper bound (built-in figures are a floor, not a measurement of this workload). */
  floorOnly?: boolean;
}

export interface HeadroomVerdict {
  ok: boolean;
  /** Each problem names the field and the value that would be right. */
  problems: string[];
  /** max(P95, boot peak): what the limit is sized against. */
  baseBytes: number;
  /** limit / base, when a limit is given. */
  ratio?: number;
}

export function checkHeadroom(input: HeadroomInput): HeadroomVerdict {
  const minRatio = input.minRatio ?? DEFAULT_MIN_RATIO;
  const maxRatio = input.maxRatio ?? DEFAULT_MAX_RATIO;
  const base = Math.max(input.p95Bytes, input.bootPeakBytes ?? 0);
  const fig = input.figures ?? "the observed";
  const baseName = (input.bootPeakBytes ?? 0) > input.p95Bytes
    ? `${fig} boot peak of ${formatMiB(base)}`
    : `${fig} P95 working set of ${formatMiB(base)}`;
  const problems: string[] = [];

  if (input.requestBytes === undefined) {
    problems.push(`requests.memory is not set; set it to at least ${fig} P95 working set (${formatMiB(input.p95Bytes)})`);
  } else if (input.requestBytes < input.p95Bytes) {
    problems.push(
      `requests.memory ${formatMiB(input.requestBytes)} is below ${fig} P95 working set of ${formatMiB(input.p95Bytes)}; ` +
        `set it to at least ${formatMiB(input.p95Bytes)} so the scheduler does not pack the node into a delayed OOM`,
    );
  }

  let ratio: number | undefined;
  if (input.limitBytes === undefined) {
    problems.push(`limits.memory is not set; set it between ${formatMiB(base * minRatio)} and ${formatMiB(base * maxRatio)} (${minRatio}–${maxRatio}× ${baseName})`);
  } else {
    ratio = input.limitBytes / base;
    const pct = Math.round((ratio - 1) * 100);
    if (ratio < minRatio - 1e-9) {
      const how = ratio < 1 ? "is below" : `is only ${pct}% above`;
      problems.push(
        `limits.memory ${formatMiB(input.limitBytes)} ${how} ${baseName}; ` +
          `at least ${minRatio}× (${formatMiB(base * minRatio)}) is required for tool-call spikes`,
      );
    } else if (ratio > maxRatio + 1e-9 && !input.floorOnly) {
      problems.push(
        `limits.memory ${formatMiB(input.limitBytes)} is ${pct}% above ${baseName}; ` +
          `at most ${maxRatio}× (${formatMiB(base * maxRatio)}): prefer throttling to blind doubling`,
      );
    }
    if (input.requestBytes !== undefined && input.requestBytes > input.limitBytes) {
      problems.push(`requests.memory ${formatMiB(input.requestBytes)} exceeds limits.memory ${formatMiB(input.limitBytes)}`);
    }
  }
  return { ok: problems.length === 0, problems, baseBytes: base, ratio };
}

/** The `--max-old-space-size` (MiB) derived from a memory limit. */
export function heapCapMiB(limitBytes: number, fraction = HEAP_FRACTION): number {
  return Math.floor(mibFromBytes(limitBytes) * fraction);
}

/** Why a heap cap does not leave room under the limit, or undefined when it does. */
export function checkHeapCap(heapMiB: number | undefined, limitBytes: number | undefined, maxFraction = MAX_HEAP_FRACTION): string | undefined {
  if (limitBytes === undefined) return "limits.memory is not set, so no heap cap can be checked against it";
  const suggested = heapCapMiB(limitBytes);
  if (heapMiB === undefined) {
    return `NODE_OPTIONS has no --max-old-space-size; V8 ignores the cgroup limit, set --max-old-space-size=${suggested} (75% of ${formatMiB(limitBytes)})`;
  }
  const max = Math.floor(mibFromBytes(limitBytes) * maxFraction);
  if (heapMiB > max) {
    return `--max-old-space-size=${heapMiB} leaves too little room under limits.memory ${formatMiB(limitBytes)} (at most ${max}, ${Math.round(maxFraction * 100)}%); use ${suggested}`;
  }
  return undefined;
}

/** Reads `--max-old-space-size=N` (or `--max-old-space-size N`) from NODE_OPTIONS-style text. */
export function parseHeapCap(nodeOptions: string | undefined): number | undefined {
  if (!nodeOptions) return undefined;
  const m = /--max[-_]old[-_]space[-_]size(?:=|\s+)([0-9]+)/.exec(nodeOptions);
  return m ? Number(m[1]) : undefined;
}
