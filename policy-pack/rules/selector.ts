// Kubernetes label selectors over plain label maps.

export type Labels = Record<string, string>;

interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

/**
 * A selector as people write it in config: a LabelSelector, or a plain label map
 * (`{"kubernetes.io/metadata.name": "ingress-nginx"}`) meaning matchLabels.
 */
export function asSelector(v: unknown): LabelSelector {
  if (!v || typeof v !== "object") return {};
  const o = v as Record<string, unknown>;
  if ("matchLabels" in o || "matchExpressions" in o) return o as LabelSelector;
  const labels: Labels = {};
  for (const [k, x] of Object.entries(o)) labels[k] = String(x);
  return { matchLabels: labels };
}

/** `{}` selects everything; `undefined` is treated by callers (it means "nothing" for a peer's absent field). */
export function selectorMatches(sel: LabelSelector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const vals = e.values ?? [];
    switch (e.operator) {
      case "In":
        if (!has || !vals.includes(labels[e.key])) return false;
        break;
      case "NotIn":
        if (has && vals.includes(labels[e.key])) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** A Service's `spec.selector` (a plain map) selects pods carrying all its labels; an empty one selects none. */
export function serviceSelects(selector: Labels | undefined, labels: Labels): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/**
 * The smallest label set a selector requires: what every object it selects carries
 * at least. Used to stand for "the pods a source selector describes" when asking
 * whether a NetworkPolicy peer admits them. Returns undefined when the selector
 * cannot be reduced (NotIn/DoesNotExist-only constraints are satisfied by it).
 */
export function representativeLabels(sel: LabelSelector | undefined): Labels {
  const out: Labels = { ...(sel?.matchLabels ?? {}) };
  for (const e of sel?.matchExpressions ?? []) {
    if (e.operator === "In" && e.values && e.values.length > 0 && !(e.key in out)) out[e.key] = e.values[0];
    else if (e.operator === "Exists" && !(e.key in out)) out[e.key] = "";
  }
  return out;
}

export function formatSelector(sel: LabelSelector | Labels | undefined): string {
  if (!sel) return "{}";
  const s = sel as LabelSelector;
  if (s.matchLabels === undefined && s.matchExpressions === undefined) {
    // Sorted: the engine's protobuf Struct reorders keys, messages must not depend on it.
    const entries = Object.entries(sel as Labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.length === 0 ? "{}" : entries.map(([k, v]) => `${k}=${v}`).join(",");
  }
  const parts = Object.entries(s.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) parts.push(`${e.key} ${e.operator} (${(e.values ?? []).join(",")})`);
  return parts.length ? parts.join(",") : "{}";
}
