// Kubernetes resource quantities as plain numbers, so rules can compare them.

const MEMORY = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$/;
const MEMORY_FACTOR: Record<string, number> = {
  "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const MIB = 2 ** 20;

/** Bytes of a memory quantity (`950Mi`, `1Gi`, `1e9` is not accepted), or undefined if malformed. */
export function parseMemory(q: unknown): number | undefined {
  if (typeof q === "number") return Number.isFinite(q) && q >= 0 ? q : undefined;
  if (typeof q !== "string") return undefined;
  const m = MEMORY.exec(q.trim());
  if (!m) return undefined;
  return Number(m[1]) * MEMORY_FACTOR[m[2] ?? ""];
}

/** Millicores of a CPU quantity (`250m`, `1`, `0.5`), or undefined if malformed. */
export function parseCpu(q: unknown): number | undefined {
  if (typeof q === "number") return Number.isFinite(q) && q >= 0 ? q * 1000 : undefined;
  if (typeof q !== "string") return undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?)(m)?$/.exec(q.trim());
  if (!m) return undefined;
  return m[2] ? Number(m[1]) : Number(m[1]) * 1000;
}

/** A byte count as whole mebibytes (`1188Mi`), rounded up so a suggested minimum is never short. */
export function formatMiB(bytes: number): string {
  return `${Math.ceil(bytes / MIB - 1e-9)}Mi`;
}

export const mibFromBytes = (bytes: number): number => bytes / MIB;
