// Gateway workloads and the objects around them: which containers run the
// OpenClaw gateway, what they listen on (argv, env and the config file traced
// through volume mounts to its ConfigMap), and which Services and NetworkPolicies
// see them. Indexes keep cross-object checks linear in the number of objects.

import {
  effectiveAuth, effectiveBind, effectivePort, parseGatewayConfig,
  type AuthSetting, type EnvMap, type GatewayArgv, type GatewayConfigFile, type ResolvedSetting,
} from "../rules/gateway";
import { IMAGE } from "../rules/names";
import { checkPatterns, DEFAULT_RECOGNITION, recognize, type Recognition, type RecognitionSettings } from "../rules/recognition";
import type { ContainerPort } from "../rules/probe";
import { selectorMatches, serviceSelects, type LabelSelector, type Labels } from "../rules/selector";
import { containerPorts, containers, envFromRefs, envOf, mounts, plain, podTemplate, type ContainerView, type EnvLookup, type KObject, type PodTemplate } from "./k8s";
import { at, fields, items, type Fields } from "../rules/fields";

/**
 * Per-policy recognition keys, kept so config files written for earlier versions still
 * work: set under a policy, they win for that policy only. The one place to set them now
 * is the `gateway-recognition` entry of the pack config.
 */
export interface GatewayMatchConfig {
  gatewayImagePatterns?: string[];
  gatewayEntryPatterns?: string[];
}

/** Config schema fragment of the deprecated per-policy keys (no defaults: absent means "the pack's setting"). */
export const GATEWAY_MATCH_SCHEMA = {
  gatewayImagePatterns: {
    type: "array",
    items: { type: "string" },
    description: "Deprecated: set gateway-recognition.imagePatterns once for every policy. Here it overrides it for this policy only.",
  },
  gatewayEntryPatterns: {
    type: "array",
    items: { type: "string" },
    description: "Deprecated: set gateway-recognition.entryPatterns once for every policy. Here it overrides it for this policy only.",
  },
} as const;

// The engine hands each policy only its own config; the recognition setting is the
// `gateway-recognition` policy's, which runs first on every resource and stack (the
// engine runs a pack's policies in the order it lists them) and records it here.
let packRecognition: RecognitionSettings = DEFAULT_RECOGNITION;

class RecognitionConfigError extends Error {}

/** Records the pack-wide recognition setting (the gateway-recognition policy's config). */
export function setPackRecognition(cfg: Partial<RecognitionSettings> | undefined): void {
  const errors = checkPatterns(cfg ?? {});
  if (errors.length) throw new RecognitionConfigError(`invalid policy config: ${errors.join("; ")}`);
  packRecognition = {
    imagePatterns: cfg?.imagePatterns ?? DEFAULT_RECOGNITION.imagePatterns,
    entryPatterns: cfg?.entryPatterns ?? DEFAULT_RECOGNITION.entryPatterns,
    imageDefaults: cfg?.imageDefaults ?? DEFAULT_RECOGNITION.imageDefaults,
  };
}

/** The recognition setting a policy uses: the pack's, unless the policy sets the deprecated keys. */
export function recognitionFor(cfg: GatewayMatchConfig): RecognitionSettings {
  if (!cfg.gatewayImagePatterns && !cfg.gatewayEntryPatterns) return packRecognition;
  const errors = checkPatterns({ imagePatterns: cfg.gatewayImagePatterns, entryPatterns: cfg.gatewayEntryPatterns }, "(policy)");
  if (errors.length) throw new RecognitionConfigError(`invalid policy config: ${errors.join("; ").split("(policy).imagePatterns").join("gatewayImagePatterns").split("(policy).entryPatterns").join("gatewayEntryPatterns")}`);
  return { ...packRecognition, imagePatterns: cfg.gatewayImagePatterns ?? packRecognition.imagePatterns, entryPatterns: cfg.gatewayEntryPatterns ?? packRecognition.entryPatterns };
}

export interface Gateway {
  workload: KObject;
  pod: PodTemplate;
  container: ContainerView;
  ports: ContainerPort[];
  /** How the container was recognised as the gateway (the serving command and why). */
  recognition: Recognition;
}

/** Resolves envFrom/configMapKeyRef against the objects checked, when a cluster is given. */
function lookupIn(cluster: Cluster | undefined, ns: string): EnvLookup | undefined {
  if (!cluster) return undefined;
  return (kind, name) => {
    const o = kind === "ConfigMap" ? cluster.configMap(ns, name) : cluster.secret(ns, name);
    if (!o) return undefined;
    const out: Record<string, string> = {};
    const data = fields(o.raw.data);
    if (data) for (const k of Object.keys(data)) out[k] = kind === "ConfigMap" ? String(data[k]) : "";
    const sd = kind === "Secret" ? fields(o.raw.stringData) : undefined;
    if (sd) for (const k of Object.keys(sd)) out[k] = "";
    return out;
  };
}

function usesVariables(c: ContainerView): boolean {
  return c.command.some((w) => w.includes("$")) || c.args.some((w) => w.includes("$"));
}

/** Every main container of a pod-bearing object with how it was recognised. */
export function recognizedContainers(o: KObject, cfg: GatewayMatchConfig, cluster?: Cluster): { pod: PodTemplate; container: ContainerView; recognition: Recognition }[] {
  const pod = podTemplate(o);
  if (!pod) return [];
  const settings = recognitionFor(cfg);
  const lookup = lookupIn(cluster, o.namespace);
  return containers(pod.spec, ["container"]).map((c) => ({
    pod, container: c,
    // The environment matters only to expand $(VAR) / $VAR; reading it costs every policy a walk of env.
    recognition: recognize({ image: c.image, command: c.command, args: c.args }, usesVariables(c) ? envOf(c, lookup) : {}, settings),
  }));
}

export function gatewaysOf(o: KObject, cfg: GatewayMatchConfig, cluster?: Cluster): Gateway[] {
  const out: Gateway[] = [];
  for (const r of recognizedContainers(o, cfg, cluster)) {
    if (r.recognition.role !== "gateway") continue;
    out.push({ workload: o, pod: r.pod, container: r.container, ports: containerPorts(r.container), recognition: r.recognition });
  }
  return out;
}

/** A declared fact: the pod template's annotation, else the workload's. */
export function annotation(gw: Gateway, key: string): string | undefined {
  return gw.pod.annotations[key] ?? gw.workload.annotations[key];
}

// ---- the cluster index ---------------------------------------------------------------

class SelectorIndex {
  private buckets = new Map<string, KObject[]>();
  private wildcard: KObject[] = [];
  add(o: KObject, labels: Labels | undefined): void {
    const first = labels ? Object.entries(labels)[0] : undefined;
    if (!first) {
      this.wildcard.push(o);
      return;
    }
    const k = `${first[0]}=${first[1]}`;
    const b = this.buckets.get(k);
    if (b) b.push(o);
    else this.buckets.set(k, [o]);
  }
  candidates(labels: Labels): KObject[] {
    const out = [...this.wildcard];
    for (const [k, v] of Object.entries(labels)) {
      const b = this.buckets.get(`${k}=${v}`);
      if (b) out.push(...b);
    }
    return out;
  }
}

interface Namespace {
  services: SelectorIndex;
  policies: SelectorIndex;
  configMaps: Map<string, KObject>;
  secrets: Map<string, KObject>;
}

export class Cluster {
  readonly objects: KObject[];
  private namespaces = new Map<string, Namespace>();
  /** Objects whose namespace could not be read (unknown in preview): they may be anywhere. */
  private floating: KObject[] = [];
  /** Each Service's selector, read once: every gateway of the namespace is matched against it. */
  private selectors = new Map<KObject, Labels | undefined>();

  constructor(objects: KObject[]) {
    this.objects = objects;
    for (const o of objects) {
      if (o.kind !== "Service" && o.kind !== "NetworkPolicy" && o.kind !== "ConfigMap" && o.kind !== "Secret") continue;
      let ns: string;
      try {
        ns = o.namespace;
      } catch {
        this.floating.push(o);
        continue;
      }
      const n = this.ns(ns);
      try {
        if (o.kind === "ConfigMap") n.configMaps.set(o.name, o);
        else if (o.kind === "Secret") n.secrets.set(o.name, o);
        else if (o.kind === "Service") n.services.add(o, this.selectorOf(o));
        else n.policies.add(o, plainLabels(at(o.raw, "spec", "podSelector", "matchLabels")));
      } catch {
        this.floating.push(o);
      }
    }
  }

  private ns(name: string): Namespace {
    let n = this.namespaces.get(name);
    if (!n) {
      n = { services: new SelectorIndex(), policies: new SelectorIndex(), configMaps: new Map(), secrets: new Map() };
      this.namespaces.set(name, n);
    }
    return n;
  }

  /** Reading a floating object's namespace rethrows its unknown-value error for the caller to report. */
  private floatingIn(kind: string, ns: string): KObject[] {
    return this.floating.filter((o) => o.kind === kind && o.namespace === ns);
  }

  servicesSelecting(ns: string, podLabels: Labels): KObject[] {
    const cands = [...(this.namespaces.get(ns)?.services.candidates(podLabels) ?? []), ...this.floatingIn("Service", ns)];
    return unique(cands).filter((s) => serviceSelects(this.selectorOf(s), podLabels));
  }

  /** A Service's spec.selector; an unknown one throws on every call, like the read it stands for. */
  private selectorOf(svc: KObject): Labels | undefined {
    if (this.selectors.has(svc)) return this.selectors.get(svc);
    const s = plainLabels(at(svc.raw, "spec", "selector"));
    this.selectors.set(svc, s);
    return s;
  }

  /** NetworkPolicies of the namespace whose podSelector selects the labels (any policyTypes). */
  policiesSelecting(ns: string, podLabels: Labels): KObject[] {
    const cands = [...(this.namespaces.get(ns)?.policies.candidates(podLabels) ?? []), ...this.floatingIn("NetworkPolicy", ns)];
    return unique(cands).filter((p) => selectorMatches(p.plainField<LabelSelector>("spec.podSelector") ?? {}, podLabels));
  }

  configMap(ns: string, name: string): KObject | undefined {
    return this.namespaces.get(ns)?.configMaps.get(name) ?? this.floatingIn("ConfigMap", ns).find((c) => c.name === name);
  }

  secret(ns: string, name: string): KObject | undefined {
    return this.namespaces.get(ns)?.secrets.get(name) ?? this.floatingIn("Secret", ns).find((c) => c.name === name);
  }

  configMapsIn(ns: string): KObject[] {
    return [...(this.namespaces.get(ns)?.configMaps.values() ?? [])];
  }
}

function unique<T>(xs: T[]): T[] {
  return xs.length < 2 ? xs : [...new Set(xs)];
}

function plainLabels(v: unknown): Labels | undefined {
  const o = fields(v);
  if (!o) return undefined;
  const out: Labels = {};
  for (const k of Object.keys(o)) out[k] = String(o[k]);
  return out;
}

// ---- effective settings ---------------------------------------------------------------

export interface GatewaySettings {
  argv: GatewayArgv;
  env: EnvMap;
  config?: GatewayConfigFile;
  /** Where the config file was found, or why it was not. */
  configSource: string;
  configError?: string;
  bind: ResolvedSetting<string>;
  port: ResolvedSetting<number | undefined>;
  auth: AuthSetting;
  /** envFrom sources that are not among the objects checked: what they hold is unknown. */
  unresolvedEnvFrom: string[];
}

const CONFIG_FILE = IMAGE.configFile;

/** gateway.customBindHost, read (from the config file) only when the bind is "custom". */
export function customBindHost(s: GatewaySettings): unknown {
  return s.bind.value === "custom" ? s.config?.gateway?.customBindHost : undefined;
}

export function settingsOf(gw: Gateway, cluster: Cluster, _cfg?: GatewayMatchConfig): GatewaySettings {
  const ns = gw.workload.namespace;
  const lookup = lookupIn(cluster, ns)!;
  const env = envOf(gw.container, lookup);
  const unresolvedEnvFrom = envFromRefs(gw.container).filter((r) => lookup(r.kind, r.name) === undefined).map((r) => `${r.kind}/${ns}/${r.name}`);
  const argv: GatewayArgv = gw.recognition.parsed!;
  // The config file is read only when a setting needs it: with --bind and --port on the
  // command line, a ConfigMap whose content is unknown in preview does not stop the checks.
  let loaded: { config?: GatewayConfigFile; configError?: string; source: string } | undefined;
  const load = () => {
    if (loaded) return loaded;
    const file = configFile(gw, cluster, env);
    loaded = { source: file.source };
    if (file.text !== undefined) {
      const parsed = parseGatewayConfig(file.text);
      if (parsed.ok) loaded.config = parsed.config;
      else loaded.configError = `${file.source} is ${parsed.error}`;
    }
    return loaded;
  };
  const lazyConfig: GatewayConfigFile = {
    get gateway() {
      return load().config?.gateway;
    },
  };
  const memo = new Map<string, unknown>();
  const once = <T>(k: string, f: () => T): T => {
    if (!memo.has(k)) memo.set(k, f());
    return memo.get(k) as T;
  };
  return {
    argv,
    env,
    unresolvedEnvFrom,
    get config() {
      return load().config;
    },
    get configSource() {
      return load().source;
    },
    get configError() {
      return load().configError;
    },
    get bind() {
      return once("bind", () => effectiveBind(argv, env, lazyConfig));
    },
    get port() {
      return once("port", () => effectivePort(argv, env, lazyConfig));
    },
    get auth() {
      return once("auth", () => effectiveAuth(argv, env, lazyConfig));
    },
  };
}

/**
 * Traces the gateway's config file ($OPENCLAW_CONFIG_PATH, else $OPENCLAW_STATE_DIR/openclaw.json,
 * else ~node/.openclaw/openclaw.json) through the container's volume mounts to a ConfigMap key.
 * When the file lives on another volume (upstream copies it from a ConfigMap into a PVC with an
 * init container), falls back to a ConfigMap with an `openclaw.json` key mounted in the pod.
 */
function configFile(gw: Gateway, cluster: Cluster, env: EnvMap): { text?: string; source: string } {
  const ns = gw.workload.namespace;
  const lit = (k: string) => (env[k] && "value" in env[k] ? (env[k] as { value: string }).value : undefined);
  const path = lit("OPENCLAW_CONFIG_PATH") ?? `${lit("OPENCLAW_STATE_DIR") ?? IMAGE.stateDir}/${CONFIG_FILE}`;
  const volumes = volumesOf(gw.pod.spec);
  const ms = mounts(gw.container)
    .filter((m) => (m.subPath ? m.mountPath === path : path.startsWith(m.mountPath.endsWith("/") ? m.mountPath : `${m.mountPath}/`)))
    .sort((a, b) => b.mountPath.length - a.mountPath.length);
  const m = ms[0];
  if (m) {
    const rel = m.subPath ?? path.slice(m.mountPath.replace(/\/$/, "").length + 1);
    const vol = volumes.get(m.name);
    for (const src of vol ? configMapSources(vol) : []) {
      const key = src.items ? src.items.find((i) => i.path === rel)?.key : rel;
      if (!key) continue;
      const cm = cluster.configMap(ns, src.name);
      const where = `ConfigMap/${ns}/${src.name} key ${key} (mounted at ${path})`;
      if (!cm) return { source: `${where}, but that ConfigMap is not among the objects checked` };
      const v = at(cm.raw, "data", key);
      if (typeof v === "string") return { text: v, source: where };
      return { source: `${where}, but the key is missing` };
    }
  }
  // Fallback: a ConfigMap carrying openclaw.json mounted anywhere in the pod.
  for (const c of containers(gw.pod.spec, ["initContainer", "container"])) {
    for (const mm of mounts(c)) {
      const vol = volumes.get(mm.name);
      for (const src of vol ? configMapSources(vol) : []) {
        const cm = cluster.configMap(ns, src.name);
        const v = cm ? at(cm.raw, "data", CONFIG_FILE) : undefined;
        if (typeof v === "string") {
          return { text: v, source: `ConfigMap/${ns}/${src.name} key ${CONFIG_FILE} (mounted in the pod; assumed to become ${path})` };
        }
      }
    }
  }
  return { source: `no ConfigMap provides ${path}` };
}

function volumesOf(spec: Fields): Map<string, Fields> {
  const out = new Map<string, Fields>();
  const vs = items(spec.volumes);
  for (let i = 0; i < vs.length; i++) out.set(String(at(vs[i], "name")), fields(vs[i]) ?? {});
  return out;
}

function configMapSources(vol: Fields): { name: string; items?: { key: string; path: string }[] }[] {
  const out: { name: string; items?: { key: string; path: string }[] }[] = [];
  const add = (cm: unknown) => {
    if (cm) out.push({ name: String(at(cm, "name")), items: Array.isArray(at(cm, "items")) ? plain(at(cm, "items")) : undefined });
  };
  add(vol.configMap);
  const sources = items(at(vol, "projected", "sources"));
  for (let i = 0; i < sources.length; i++) add(at(sources[i], "configMap"));
  return out;
}
