// A read-only view of Kubernetes objects that works the same over the policy
// engine's props (wrapped in its unknown-checking proxy: reading an unknown value
// throws, so the engine skips the check with an advisory) and over plain YAML.
// Everything is read lazily, field by field, so an unknown value elsewhere in an
// object does not stop a check that never reads it.

import type { ContainerPort, Probe } from "../rules/probe";
import type { EnvMap } from "../rules/gateway";
import type { Labels } from "../rules/selector";
import type { SecurityContext } from "../rules/security";
import { at, fields, items, str, type Fields } from "../rules/fields";

export const POD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod", "ReplicationController"];

/** Where an object came from, for messages: a Pulumi URN or a file and document index. */
export interface Origin {
  urn?: string;
  file?: string;
  doc?: number;
}

export class KObject {
  private cache = new Map<string, unknown>();
  constructor(
    readonly kind: string,
    readonly apiVersion: string,
    /** The object as given (possibly a proxy). */
    readonly raw: Fields,
    readonly origin: Origin,
    private readonly fallbackName: string,
    private readonly defaultNamespace: string,
  ) {}

  private memo<T>(key: string, f: () => T): T {
    if (this.cache.has(key)) return this.cache.get(key) as T;
    const v = f();
    this.cache.set(key, v);
    return v;
  }

  get name(): string {
    return this.memo("name", () => str(at(this.raw, "metadata", "name")) ?? this.fallbackName);
  }
  get namespace(): string {
    return this.memo("ns", () => str(at(this.raw, "metadata", "namespace")) ?? this.defaultNamespace);
  }
  get labels(): Labels {
    return this.memo("labels", () => stringMap(at(this.raw, "metadata", "labels")));
  }
  get annotations(): Labels {
    return this.memo("ann", () => stringMap(at(this.raw, "metadata", "annotations")));
  }
  /** `Kind/namespace/name`, how every message names an object. */
  get ref(): string {
    let ns: string;
    let name: string;
    try {
      ns = this.namespace;
    } catch {
      ns = "(unknown namespace)";
    }
    try {
      name = this.name;
    } catch {
      name = this.fallbackName;
    }
    return `${this.kind}/${ns}/${name}`;
  }
  get key(): string {
    return `${this.namespace}/${this.name}`;
  }

  /**
   * A plain copy of the field at a dotted path ("spec", "spec.ports"), undefined where a
   * step is missing (as `raw.spec?.ports`). Read through the proxy once per object:
   * cross-object checks read the same NetworkPolicy, Service or Ingress for every
   * gateway, and a walk per (gateway, object) pair made a directory of gateways
   * quadratic in proxy reads. An unknown value still throws on every call (a throw is
   * not memoised). Shared between callers: never mutate it.
   */
  plainField<T>(path: string): T | undefined {
    return this.memo(`plain:${path}`, () => plain<T | undefined>(at(this.raw, ...path.split("."))));
  }
}

function stringMap(v: unknown): Labels {
  const out: Labels = {};
  const o = fields(v);
  if (!o) return out;
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (typeof x === "string") out[k] = x;
    else if (x !== undefined && x !== null) out[k] = String(x);
  }
  return out;
}

/** A deep plain copy (reading every field through the proxy). Use on small subtrees only. */
export function plain<T>(v: unknown): T {
  if (v === null || typeof v !== "object") return v as T;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) out.push(plain(v[i]));
    return out as T;
  }
  const o = v as Fields;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    const x = plain(o[k]);
    if (x !== undefined) out[k] = x;
  }
  return out as T;
}

/** `kubernetes:apps/v1:Deployment` → { apiVersion: "apps/v1", kind: "Deployment" }. */
function parsePulumiType(type: string): { apiVersion: string; kind: string } | undefined {
  const m = /^kubernetes:([^/:]+)\/([^/:]+):([A-Za-z0-9]+)$/.exec(type);
  if (!m) return undefined;
  return { apiVersion: m[1] === "core" ? m[2] : `${m[1]}/${m[2]}`, kind: m[3] };
}

export function pulumiTypeOf(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "core" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return `kubernetes:${group}/${version}:${kind}`;
}

/** An object from the policy engine's view of a resource, or undefined for non-Kubernetes resources. */
export function fromPulumi(
  type: string,
  props: Fields,
  urn: string,
  name: string,
  providerNamespace?: () => string | undefined,
): KObject | undefined {
  const t = parsePulumiType(type);
  if (!t || t.kind.endsWith("Patch") || t.kind.endsWith("List")) return undefined;
  let ns = "default";
  if (providerNamespace) {
    try {
      ns = providerNamespace() ?? "default";
    } catch {
      ns = "default";
    }
  }
  return new KObject(t.kind, t.apiVersion, props, { urn }, name, ns);
}

// ---- pods and containers -------------------------------------------------------------

export interface PodTemplate {
  spec: Fields;
  labels: Labels;
  annotations: Labels;
  /** JSON path prefix of the pod spec inside the object, for messages. */
  path: string;
}

/** The pod template of a pod-bearing object, or undefined. */
export function podTemplate(o: KObject): PodTemplate | undefined {
  const fromTemplate = (t: unknown, path: string): PodTemplate | undefined => {
    const spec = fields(at(t, "spec"));
    return spec ? { spec, labels: stringMap(at(t, "metadata", "labels")), annotations: stringMap(at(t, "metadata", "annotations")), path } : undefined;
  };
  switch (o.kind) {
    case "Pod": {
      const spec = fields(o.raw.spec);
      return spec ? { spec, labels: o.labels, annotations: o.annotations, path: "spec" } : undefined;
    }
    case "CronJob":
      return fromTemplate(at(o.raw, "spec", "jobTemplate", "spec", "template"), "spec.jobTemplate.spec.template.spec");
    default:
      return POD_KINDS.includes(o.kind) ? fromTemplate(at(o.raw, "spec", "template"), "spec.template.spec") : undefined;
  }
}

export interface ContainerView {
  kind: "container" | "initContainer" | "ephemeralContainer";
  index: number;
  raw: Fields;
  name: string;
  image?: string;
  command: string[];
  args: string[];
}

export function containers(spec: Fields, which: ContainerView["kind"][] = ["container", "initContainer"]): ContainerView[] {
  const out: ContainerView[] = [];
  const fieldOf: Record<ContainerView["kind"], string> = { container: "containers", initContainer: "initContainers", ephemeralContainer: "ephemeralContainers" };
  for (const kind of which) {
    const list = items(spec[fieldOf[kind]]);
    for (let i = 0; i < list.length; i++) {
      const c = fields(list[i]) ?? {};
      out.push({
        kind,
        index: i,
        raw: c,
        name: str(c.name) ?? `#${i}`,
        image: typeof c.image === "string" ? c.image : undefined,
        command: strings(c.command),
        args: strings(c.args),
      });
    }
  }
  return out;
}

function strings(v: unknown): string[] {
  const list = items(v);
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) out.push(String(list[i]));
  return out;
}

export function containerPorts(c: ContainerView): ContainerPort[] {
  const ports = items(c.raw.ports);
  const out: ContainerPort[] = [];
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i];
    out.push({ name: str(at(p, "name")), containerPort: Number(at(p, "containerPort")), protocol: str(at(p, "protocol")) ?? "TCP" });
  }
  return out;
}

export function probe(c: ContainerView, which: "readinessProbe" | "livenessProbe" | "startupProbe"): Probe | undefined {
  const p = c.raw[which];
  return p ? plain<Probe>(p) : undefined;
}

export function securityContext(c: ContainerView): SecurityContext | undefined {
  const s = c.raw.securityContext;
  return s ? plain<SecurityContext>(s) : undefined;
}

export interface Resources {
  requests: Record<string, unknown>;
  limits: Record<string, unknown>;
}

export function resources(c: ContainerView): Resources {
  const r = c.raw.resources;
  const requests = at(r, "requests");
  const limits = at(r, "limits");
  return { requests: requests ? plain(requests) : {}, limits: limits ? plain(limits) : {} };
}

/** Reads a ConfigMap's data or a Secret's keys (values "") from the objects checked; undefined when absent. */
export type EnvLookup = (kind: "ConfigMap" | "Secret", name: string) => Record<string, string> | undefined;

/** envFrom sources of a container, in order. */
export function envFromRefs(c: ContainerView): { kind: "ConfigMap" | "Secret"; name: string; prefix: string; optional: boolean }[] {
  const from = items(c.raw.envFrom);
  const out: { kind: "ConfigMap" | "Secret"; name: string; prefix: string; optional: boolean }[] = [];
  for (let i = 0; i < from.length; i++) {
    const f = fields(from[i]);
    if (!f) continue;
    const prefix = str(f.prefix) ?? "";
    if (f.configMapRef) out.push({ kind: "ConfigMap", name: String(at(f.configMapRef, "name")), prefix, optional: at(f.configMapRef, "optional") === true });
    else if (f.secretRef) out.push({ kind: "Secret", name: String(at(f.secretRef, "name")), prefix, optional: at(f.secretRef, "optional") === true });
  }
  return out;
}

/**
 * The container's environment as the kubelet builds it: envFrom first (later sources win),
 * then env (wins over envFrom). ConfigMap values are literals when the ConfigMap is among the
 * objects checked; Secret keys are references (their values stay unknown on purpose).
 */
export function envOf(c: ContainerView, lookup?: EnvLookup): EnvMap {
  const env: EnvMap = {};
  for (const r of envFromRefs(c)) {
    const m = lookup?.(r.kind, r.name);
    if (!m) continue;
    for (const [k, v] of Object.entries(m)) env[r.prefix + k] = r.kind === "ConfigMap" ? { value: v } : { ref: `Secret ${r.name} key ${k} (envFrom)` };
  }
  const list = items(c.raw.env);
  for (let i = 0; i < list.length; i++) {
    const e = fields(list[i]);
    if (!e) continue;
    const name = String(e.name);
    const vf = e.valueFrom;
    if (vf) {
      const cmRef = at(vf, "configMapKeyRef");
      if (cmRef) {
        const cm = String(at(cmRef, "name"));
        const key = String(at(cmRef, "key"));
        const v = lookup?.("ConfigMap", cm)?.[key];
        env[name] = typeof v === "string" ? { value: v } : { ref: `configMap ${cm} key ${key}` };
      } else if (at(vf, "secretKeyRef")) {
        const secretRef = at(vf, "secretKeyRef");
        env[name] = { ref: `secret ${String(at(secretRef, "name"))} key ${String(at(secretRef, "key"))}` };
      } else {
        env[name] = { ref: "a field reference" };
      }
    } else {
      env[name] = { value: e.value === undefined || e.value === null ? "" : String(e.value), literal: true };
    }
  }
  return env;
}

/** Volume mounts of a container: mountPath → { volume, subPath }. */
export function mounts(c: ContainerView): { mountPath: string; name: string; subPath?: string }[] {
  const list = items(c.raw.volumeMounts);
  const out = [];
  for (let i = 0; i < list.length; i++) {
    const m = list[i];
    out.push({ mountPath: String(at(m, "mountPath")), name: String(at(m, "name")), subPath: str(at(m, "subPath")) });
  }
  return out;
}
