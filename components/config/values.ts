// Figures and quantity helpers the schema and the derived settings share.
import { cpuQuantity, memoryQuantity } from "../../policy-pack/rules/kube-values";

/**
 * The gateway's memory, from `npm run bench:memory`: PSS of the process tree (main
 * process + workers) while 4 concurrent sessions_list tool calls ran; 15 fresh starts
 * in three series on 2 cores (docs/facts.md §1, docs/measurements/). The P95 stays at
 * an earlier single run's 1013Mi: no run since went above 902Mi, and those ran on a
 * loaded machine, so 1013Mi is kept as the covering figure (`npm run size` checks it).
 */
export const MEASURED_P95_WORKING_SET = "1013Mi";
/** Boot peak (spawn → /readyz 200): the highest of the 15 runs (773–937Mi). */
export const MEASURED_BOOT_PEAK = "937Mi";
export const MEASURED_SOURCE =
  "npm run bench:memory, 15 runs (2026-11-27): openclaw 2026.9.6, PSS of the process tree, 4 concurrent sessions_list calls, 2 cores; P95 793–902Mi, boot peak 773–937Mi";
/** The ratio applied when the stack does not choose one: the middle of runbook §5's 1.25–1.40. */
export const DEFAULT_LIMIT_RATIO = 1.3;

export const memoryProblem = (v: string) => {
  const q = memoryQuantity(v);
  return "problem" in q ? q.problem : undefined;
};
export const cpuProblem = (v: string) => {
  const q = cpuQuantity(v);
  return "problem" in q ? q.problem : undefined;
};
/** Bytes of a quantity the schema has accepted. */
export const bytesOf = (v: string) => (memoryQuantity(v) as { bytes: number }).bytes;
export const millicoresOf = (v: string) => (cpuQuantity(v) as { millicores: number }).millicores;
