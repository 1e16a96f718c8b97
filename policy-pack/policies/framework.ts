// Turns pure checks over Kubernetes objects into CrossGuard policies.
// Resource checks run in validateResource (before each resource is created); checks
// that need several objects (Service + Deployment + ConfigMap + NetworkPolicy) run in
// validateStack. In preview an unknown value throws the engine's UnknownValueError
// where it is read: a resource check then is skipped by the engine with an advisory;
// a stack check catches it per workload, still reports every fully known workload,
// and rethrows one error naming every unknown, which the engine turns into an advisory.

import type {
  EnforcementLevel, PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy,
  StackValidationArgs, StackValidationPolicy,
} from "@pulumi/policy";
import { UnknownValueError, type UnknownValueErrorShape } from "./engine";
import { fromPulumi, type KObject } from "../model/k8s";
import { Cluster } from "../model/gateway";

/** What the README's generated table shows besides the CrossGuard fields. */
interface PolicyDoc {
  /** Why the policy exists: the runbook section, upstream issue or measurement. */
  why: string;
  /** pinning | resources | network | probes | security */
  concern: string;
}

export type OpenClawPolicy = (ResourceValidationPolicy | StackValidationPolicy) & PolicyDoc;

export interface Meta<C> extends PolicyDoc {
  name: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  configSchema: PolicyConfigSchema;
  /** Only for typing the check's config. */
  _config?: C;
}

/** The policy's config with the schema's defaults filled in (the engine passes only what the config file sets). */
export function withDefaults<C>(schema: PolicyConfigSchema, given: object | undefined): C {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(schema.properties)) {
    const d = (s as { default?: unknown }).default;
    if (d !== undefined) out[k] = d;
  }
  for (const [k, v] of Object.entries(given ?? {})) if (v !== undefined) out[k] = v;
  return out as C;
}

function isUnknownValueError(e: unknown): e is UnknownValueErrorShape {
  return e instanceof UnknownValueError;
}

/** A check of one object: returns messages (without the object's name, which is prefixed). */
export type ObjectCheck<C> = (o: KObject, cfg: C) => string[];

export function resourcePolicy<C>(meta: Meta<C>, kinds: readonly string[], check: ObjectCheck<C>): OpenClawPolicy {
  const { _config, ...m } = meta;
  void _config;
  return {
    ...m,
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      const o = fromPulumi(args.type, args.props, args.urn, args.name, () => args.provider?.props?.namespace);
      if (!o || !kinds.includes(o.kind)) {
        args.notApplicable(`applies to ${kinds.join(", ")}`);
        return;
      }
      const cfg = withDefaults<C>(meta.configSchema, args.getConfig());
      for (const msg of check(o, cfg)) report(`${o.ref}: ${msg}`);
    },
  };
}

export interface StackContext<C> {
  cluster: Cluster;
  cfg: C;
  /** Reports a violation on an object. */
  report(o: KObject, message: string): void;
  /** Runs `f` for one object; an unknown value inside it skips only that object. */
  guard(o: KObject, f: () => void): void;
}

export function stackPolicy<C>(meta: Meta<C>, check: (ctx: StackContext<C>) => void): OpenClawPolicy {
  const { _config, ...m } = meta;
  void _config;
  return {
    ...m,
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      const objects: KObject[] = [];
      for (const r of args.resources) {
        const o = fromPulumi(r.type, r.props, r.urn, r.name, () => r.provider?.props?.namespace);
        if (o) objects.push(o);
      }
      const unknowns: { o: KObject; e: UnknownValueErrorShape }[] = [];
      const ctx: StackContext<C> = {
        cluster: new Cluster(objects),
        cfg: withDefaults<C>(meta.configSchema, args.getConfig()),
        report: (o, message) => report(`${o.ref}: ${message}`, o.origin.urn),
        guard: (o, f) => {
          try {
            f();
          } catch (e) {
            if (!isUnknownValueError(e)) throw e;
            unknowns.push({ o, e });
          }
        },
      };
      check(ctx);
      if (unknowns.length > 0) {
        // The engine reports this as an advisory: "can't run policy ... during preview: <message>".
        const first = unknowns[0].e;
        first.message = unknowns.map(({ o, e }) => `${o.ref}: ${e.message}`).join("; ");
        throw first;
      }
    },
  };
}
