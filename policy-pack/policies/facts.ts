// Declared facts about a gateway workload (observed memory, cold start, node CIDRs,
// ingress sources). The program stamps them as `openclaw.ai/*` annotations on the
// workload and its pod template; policy config can override them per workload
// (`workloads: {"<namespace>/<name>": {...}}`) or supply them for manifests that lack
// them (top-level keys). Order: workloads entry > annotation > top-level config.

import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { annotation, type Gateway } from "../model/gateway";

export { ANNOTATIONS } from "../rules/names";

export interface Fact<T> {
  value: T;
  source: string;
}

type WithWorkloads = { workloads?: Record<string, Record<string, unknown>> };

/** Reads a fact: per-workload config, then the annotation (parsed), then the top-level config key. */
export function fact<T>(
  gw: Gateway,
  config: object,
  key: string,
  annotationKey: string | undefined,
  parse: (raw: string) => T | undefined,
  fromConfig: (raw: unknown) => T | undefined = (v) => v as T,
): Fact<T> | { error: string } | undefined {
  const cfg = config as WithWorkloads & Record<string, unknown>;
  const wk = gw.workload.key;
  const w = cfg.workloads?.[wk]?.[key];
  if (w !== undefined) {
    const v = fromConfig(w);
    return v === undefined ? { error: `policy config workloads["${wk}"].${key} is invalid: ${JSON.stringify(w)}` } : { value: v, source: `policy config workloads["${wk}"].${key}` };
  }
  if (annotationKey) {
    const a = annotation(gw, annotationKey);
    if (a !== undefined) {
      const v = parse(a);
      return v === undefined ? { error: `annotation ${annotationKey}="${a}" is malformed` } : { value: v, source: `annotation ${annotationKey}` };
    }
  }
  const top = cfg[key];
  if (top !== undefined) {
    const v = fromConfig(top);
    return v === undefined ? { error: `policy config ${key} is invalid: ${JSON.stringify(top)}` } : { value: v, source: `policy config ${key}` };
  }
  return undefined;
}

export function isError<T>(f: Fact<T> | { error: string } | undefined): f is { error: string } {
  return f !== undefined && "error" in f;
}

export const WORKLOADS_SCHEMA = (props: Record<string, PolicyConfigJSONSchema>): PolicyConfigJSONSchema => ({
  type: "object",
  description: 'Per-workload overrides keyed "<namespace>/<name>"; they win over the workload\'s annotations.',
  additionalProperties: { type: "object", properties: props, additionalProperties: false },
});
