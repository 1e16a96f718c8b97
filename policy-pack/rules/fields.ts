// Reading manifests whose shape nothing guarantees: YAML from anywhere, or the engine's
// props behind its unknown-checking proxy. Values are `unknown` until a check narrows them.
// Each step is one property read, as `a?.b?.c` does, so an unknown value still throws
// exactly where the read is (and the engine reports the check as skipped).

/** An object's fields, read-only. */
export type Fields = Readonly<Record<string, unknown>>;

/** `v` when it is an object (arrays included, as JavaScript has it), else undefined. */
export function fields(v: unknown): Fields | undefined {
  return v !== null && typeof v === "object" ? (v as Fields) : undefined;
}

/** `v?.[k1]?.[k2]…` over unknown values. */
export function at(v: unknown, ...path: (string | number)[]): unknown {
  let cur = v;
  for (const k of path) {
    if (cur === null || cur === undefined) return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/** The elements of `v` when it is an array, else none. */
export function items(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A non-empty string, else undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}
