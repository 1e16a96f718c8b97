// Plain Kubernetes manifests (files, directories, multi-document YAML, JSON, `kind: List`),
// decoded the way kubectl decodes them and typed like the Pulumi kubernetes provider types
// them. Bad input becomes a ManifestError naming the file, the document (1-based) and the
// field, never a stack trace; hostile input (FIFOs, devices, symlink loops, huge files,
// floods of objects, deep nesting) is refused with a clear error instead of hanging or
// crashing.
//
// kubectl's YAML (sigs.k8s.io/yaml over go-yaml v2) is YAML 1.1: `yes`/`no`/`on`/`off`/`y`/`n`
// are booleans, `0777` is octal, merge keys `<<` are applied; timestamps and base-60
// numbers stay strings. A document starting with `{` in a .json file is JSON.

import * as fs from "fs";
import * as path from "path";
import { Composer, Parser } from "yaml";
import { POD_KINDS, pulumiTypeOf } from "../policy-pack/model/k8s";
import { at as get, fields, type Fields } from "../policy-pack/rules/fields";
import type { HarnessResource } from "./engine";

export class ManifestError extends Error {}

export interface ManifestObject {
  resource: HarnessResource;
  file: string;
  doc: number;
  ref: string;
}

export interface InputLimits {
  /** Largest input read, in bytes, over all files together. */
  maxBytes: number;
  /** Most Kubernetes objects read, over all files together. */
  maxObjects: number;
  /** Deepest nesting of mappings and sequences in one document. */
  maxDepth: number;
}

export const DEFAULT_LIMITS: InputLimits = { maxBytes: 64 * 1024 * 1024, maxObjects: 50_000, maxDepth: 100 };

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  if (st.isDirectory()) return "a directory";
  return "not a regular file";
}

function statError(p: string, e: unknown): ManifestError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new ManifestError(`${p}: no such file or directory`);
  if (code === "ELOOP") return new ManifestError(`${p}: symbolic link loop (too many levels of symbolic links)`);
  if (code === "EACCES" || code === "EPERM") return new ManifestError(`${p}: permission denied`);
  if (code === "ENAMETOOLONG") return new ManifestError(`${p}: file name too long`);
  return new ManifestError(`${p}: cannot be read (${code ?? (e as Error).message})`);
}

/**
 * The manifest files under the given paths, in a stable order: files given by name (any
 * extension), and `.yaml`, `.yml` and `.json` files under directories, recursively
 * (kubectl apply -f <dir> -R). Only regular files; directory symlink cycles are walked once.
 */
export function listYamlFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const seenDirs = new Set<string>();
  // An explicit stack: a deep directory tree does not grow the call stack.
  const stack: string[] = [...paths].reverse();
  while (stack.length > 0) {
    const p = stack.pop()!;
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      throw statError(p, e);
    }
    if (st.isDirectory()) {
      let real: string;
      let entries: string[];
      try {
        real = fs.realpathSync(p);
        entries = fs.readdirSync(p).sort();
      } catch (e) {
        throw statError(p, e);
      }
      if (seenDirs.has(real)) continue;
      seenDirs.add(real);
      const children: string[] = [];
      for (const e of entries) {
        const child = path.join(p, e);
        let cst: fs.Stats;
        try {
          cst = fs.statSync(child);
        } catch (err) {
          // A dangling or looping symlink that would not be read anyway is skipped; one that would is an error.
          if (!MANIFEST_FILE.test(e)) continue;
          throw statError(child, err);
        }
        if (cst.isDirectory() || MANIFEST_FILE.test(e)) children.push(child);
      }
      stack.push(...children.reverse());
      continue;
    }
    if (!st.isFile()) throw new ManifestError(`${p}: is ${kindOf(st)}; only regular files are read`);
    out.push(p);
  }
  return out;
}

/** Reads a regular file, refusing anything else even if it changed since it was listed. */
function readRegular(file: string, budget: { bytes: number; limit: number }): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO that replaced the file must not wait for a writer.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw statError(file, e);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new ManifestError(`${file}: is ${kindOf(st)}; only regular files are read`);
    if (budget.bytes + st.size > budget.limit) {
      throw new ManifestError(`${file}: input is larger than ${budget.limit} bytes (${budget.bytes + st.size} bytes so far); raise --max-bytes to read it`);
    }
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = fs.readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    budget.bytes += off;
    const text = buf.subarray(0, off).toString("utf8");
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } finally {
    fs.closeSync(fd);
  }
}

export function loadManifests(files: readonly string[], defaultNamespace = "default", limits: InputLimits = DEFAULT_LIMITS): ManifestObject[] {
  const out: ManifestObject[] = [];
  const budget = { bytes: 0, limit: limits.maxBytes };
  for (const f of files) {
    const objs = parseManifestText(readRegular(f, budget), f, defaultNamespace, limits, out.length);
    for (const o of objs) out.push(o);
  }
  return out;
}

/** YAML 1.1 as go-yaml v2 reads it: the `yaml` library's 1.1 schema without timestamps and base-60 numbers. */
const YAML_OPTIONS = {
  version: "1.1" as const,
  merge: true,
  prettyErrors: true,
  uniqueKeys: true,
  customTags: (tags: Array<{ tag?: unknown; format?: string }>) => tags.filter((t) => !/timestamp$/.test(String(t.tag)) && t.format !== "TIME"),
};

/** Depth of nesting, without recursion. */
function depthOf(v: unknown, max: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== "object") continue;
    if (d > deepest) deepest = d;
    if (deepest > max) return deepest;
    for (const c of Array.isArray(x) ? x : Object.values(x)) if (c !== null && typeof c === "object") stack.push([c, d + 1]);
  }
  return deepest;
}

export function parseManifestText(text: string, file: string, defaultNamespace = "default", limits: InputLimits = DEFAULT_LIMITS, already = 0): ManifestObject[] {
  const out: ManifestObject[] = [];
  const take = (v: unknown, doc: number) => {
    const where = `${file}: document ${doc}`;
    if (v === null || v === undefined) return; // an empty document (a trailing ---)
    if (depthOf(v, limits.maxDepth) > limits.maxDepth) throw new ManifestError(`${where}: nested more than ${limits.maxDepth} levels deep; no Kubernetes object is`);
    const kind = typeof v === "object" && !Array.isArray(v) ? (v as { kind?: unknown }).kind : undefined;
    // kind: List, and typed lists (DeploymentList, …) as `kubectl get -o yaml` writes them.
    const isList = kind === "List" || (typeof kind === "string" && /List$/.test(kind) && Array.isArray((v as { items?: unknown }).items));
    const items = isList ? ((v as { items?: unknown }).items ?? []) : [v];
    if (!Array.isArray(items)) throw new ManifestError(`${where}: ${String(kind)}.items is ${describe(items)}, expected a sequence`);
    for (let j = 0; j < items.length; j++) {
      if (already + out.length >= limits.maxObjects) {
        throw new ManifestError(`${where}: more than ${limits.maxObjects} objects in the input; raise --max-objects to read them`);
      }
      out.push(toObject(items[j], file, doc, isList ? `${where} item ${j + 1}` : where, defaultNamespace));
    }
  };
  if (/\.json$/i.test(file) && /^\s*[[{]/.test(text)) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new ManifestError(`${file}: document 1: JSON error: ${e instanceof RangeError ? "nested too deeply" : (e as Error).message}`);
    }
    take(v, 1);
    return out;
  }
  // Documents are composed one at a time, so the object cap stops a flood early.
  let doc = 0;
  try {
    const composer = new Composer(YAML_OPTIONS as never);
    const docs = composer.compose(new Parser().parse(text), true, text.length);
    for (const d of docs) {
      doc++;
      const where = `${file}: document ${doc}`;
      if (d.errors.length > 0) {
        const e = d.errors[0];
        const pos = e.linePos?.[0] ?? linePos(text, e.pos?.[0]);
        throw new ManifestError(`${where}: YAML error${pos ? ` at line ${pos.line} column ${pos.col}` : ""}: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`);
      }
      let v: unknown;
      try {
        v = d.toJS({ maxAliasCount: 100 });
      } catch (e) {
        throw new ManifestError(`${where}: ${e instanceof RangeError ? "nested too deeply" : (e as Error).message}`);
      }
      take(v, doc);
    }
  } catch (e) {
    if (e instanceof ManifestError) throw e;
    throw new ManifestError(`${file}: document ${doc + 1}: cannot be parsed as YAML: ${e instanceof RangeError ? "nested too deeply" : (e as Error).message}`);
  }
  return out;
}

/** 1-based line and column of an offset (the composer gives offsets; the messages give lines). */
function linePos(text: string, offset: number | undefined): { line: number; col: number } | undefined {
  if (offset === undefined) return undefined;
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) {
    line++;
    last = i;
  }
  return { line, col: offset - last };
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a sequence";
  return typeof v === "object" ? "a mapping" : `a ${typeof v} (${JSON.stringify(v)})`;
}

function toObject(v: unknown, file: string, doc: number, where: string, defaultNamespace: string): ManifestObject {
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new ManifestError(`${where}: is ${describe(v)}, expected a Kubernetes object (a mapping with apiVersion, kind, metadata)`);
  const o = v as Fields;
  const { apiVersion, kind } = o;
  if (typeof apiVersion !== "string" || apiVersion === "") throw new ManifestError(`${where}: apiVersion is missing or not a string`);
  if (typeof kind !== "string" || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) throw new ManifestError(`${where}: kind is missing or not a Kubernetes kind`);
  const metadata = fields(o.metadata);
  if (!metadata || Array.isArray(metadata)) throw new ManifestError(`${where}: ${kind} has no metadata mapping`);
  const name = metadata.name;
  if (typeof name !== "string" || name === "") throw new ManifestError(`${where}: ${kind} has no metadata.name (a string)`);
  if (metadata.namespace !== undefined && metadata.namespace !== null && typeof metadata.namespace !== "string") {
    throw new ManifestError(`${where}: metadata.namespace is ${describe(metadata.namespace)}, expected a string`);
  }
  for (const k of ["labels", "annotations"]) {
    const m = metadata[k];
    if (m !== undefined && m !== null && (typeof m !== "object" || Array.isArray(m))) throw new ManifestError(`${where}: metadata.${k} is ${describe(m)}, expected a mapping`);
  }
  const ns = typeof metadata.namespace === "string" && metadata.namespace ? metadata.namespace : defaultNamespace;
  const ref = `${kind}/${ns}/${name}`;
  checkShape(o, kind, `${where} (${ref})`);
  const type = pulumiTypeOf(apiVersion, kind);
  return {
    resource: {
      type,
      props: o,
      urn: `urn:pulumi:manifests::policy-check::${type}::${file}#${doc}:${ns}/${name}`,
      name,
      provider: { type: "pulumi:providers:kubernetes", props: { namespace: defaultNamespace }, urn: "urn:pulumi:manifests::policy-check::pulumi:providers:kubernetes::default", name: "default" },
    },
    file,
    doc,
    ref,
  };
}

/** The fields the policies read must have the shapes the Kubernetes API gives them. */
function checkShape(o: Fields, kind: string, where: string): void {
  const fail = (field: string, v: unknown, want: string) => {
    throw new ManifestError(`${where}: ${field} is ${describe(v)}, expected ${want}`);
  };
  const absent = (v: unknown) => v === undefined || v === null;
  const mapping = (v: unknown, field: string) => {
    if (!absent(v) && (typeof v !== "object" || Array.isArray(v))) fail(field, v, "a mapping");
  };
  const sequence = (v: unknown, field: string) => {
    if (!absent(v) && !Array.isArray(v)) fail(field, v, "a sequence");
  };
  const string = (v: unknown, field: string) => {
    if (!absent(v) && typeof v !== "string") fail(field, v, "a string");
  };
  const stringMap = (v: unknown, field: string) => {
    mapping(v, field);
    for (const [k, x] of Object.entries((v as object) ?? {})) {
      if (!absent(x) && typeof x === "object") fail(`${field}.${k}`, x, "a string");
    }
  };
  const intOrString = (v: unknown, field: string) => {
    if (!absent(v) && typeof v !== "string" && !(typeof v === "number" && Number.isInteger(v))) fail(field, v, "a port number or name");
  };
  const stringList = (v: unknown, field: string) => {
    sequence(v, field);
    ((v as unknown[]) ?? []).forEach((x, i) => {
      if (!absent(x) && typeof x === "object") fail(`${field}[${i}]`, x, "a string");
    });
  };
  const each = (v: unknown, field: string, f: (x: Fields, at: string) => void) => {
    sequence(v, field);
    ((v as unknown[]) ?? []).forEach((x, i) => {
      const at = `${field}[${i}]`;
      mapping(x, at);
      const fx = fields(x);
      if (fx) f(fx, at);
    });
  };
  const selector = (v: unknown, field: string) => {
    mapping(v, field);
    if (!v) return;
    stringMap(get(v, "matchLabels"), `${field}.matchLabels`);
    each(get(v, "matchExpressions"), `${field}.matchExpressions`, (e, at) => {
      string(e.key, `${at}.key`);
      string(e.operator, `${at}.operator`);
      stringList(e.values, `${at}.values`);
    });
  };
  const probe = (value: unknown, at: string) => {
    mapping(value, at);
    const p = fields(value);
    if (!p) return;
    for (const k of ["httpGet", "tcpSocket", "grpc", "exec"]) mapping(p[k], `${at}.${k}`);
    if (p.httpGet) {
      string(get(p.httpGet, "path"), `${at}.httpGet.path`);
      intOrString(get(p.httpGet, "port"), `${at}.httpGet.port`);
      string(get(p.httpGet, "host"), `${at}.httpGet.host`);
      string(get(p.httpGet, "scheme"), `${at}.httpGet.scheme`);
    }
    if (p.tcpSocket) {
      intOrString(get(p.tcpSocket, "port"), `${at}.tcpSocket.port`);
      string(get(p.tcpSocket, "host"), `${at}.tcpSocket.host`);
    }
    if (p.grpc) intOrString(get(p.grpc, "port"), `${at}.grpc.port`);
    if (p.exec) stringList(get(p.exec, "command"), `${at}.exec.command`);
    for (const k of ["initialDelaySeconds", "periodSeconds", "failureThreshold", "timeoutSeconds", "successThreshold"]) {
      if (!absent(p[k]) && typeof p[k] !== "number") fail(`${at}.${k}`, p[k], "a number");
    }
  };

  mapping(o.spec, "spec");
  if (kind === "ConfigMap") {
    mapping(o.data, "data");
    for (const [k, x] of Object.entries(fields(o.data) ?? {})) if (typeof x !== "string") fail(`data.${k}`, x, "a string");
  }
  if (kind === "Secret") {
    stringMap(o.data, "data");
    stringMap(o.stringData, "stringData");
  }
  if (kind === "Service") {
    stringMap(get(o, "spec", "selector"), "spec.selector");
    each(get(o, "spec", "ports"), "spec.ports", (p, at) => {
      if (typeof p.port !== "number") fail(`${at}.port`, p.port, "a number");
      intOrString(p.targetPort, `${at}.targetPort`);
      string(p.name, `${at}.name`);
      string(p.protocol, `${at}.protocol`);
    });
  }
  if (kind === "NetworkPolicy") {
    selector(get(o, "spec", "podSelector"), "spec.podSelector");
    stringList(get(o, "spec", "policyTypes"), "spec.policyTypes");
    each(get(o, "spec", "ingress"), "spec.ingress", (r, at) => {
      each(r.from, `${at}.from`, (peer, pat) => {
        mapping(peer.ipBlock, `${pat}.ipBlock`);
        if (peer.ipBlock) {
          const cidr = get(peer.ipBlock, "cidr");
          if (typeof cidr !== "string") fail(`${pat}.ipBlock.cidr`, cidr, "a string");
          stringList(get(peer.ipBlock, "except"), `${pat}.ipBlock.except`);
        }
        selector(peer.namespaceSelector, `${pat}.namespaceSelector`);
        selector(peer.podSelector, `${pat}.podSelector`);
      });
      each(r.ports, `${at}.ports`, (p, pat) => {
        intOrString(p.port, `${pat}.port`);
        if (!absent(p.endPort) && typeof p.endPort !== "number") fail(`${pat}.endPort`, p.endPort, "a number");
        string(p.protocol, `${pat}.protocol`);
      });
    });
  }
  if (!POD_KINDS.includes(kind)) return;
  const base = kind === "Pod" ? "spec" : kind === "CronJob" ? "spec.jobTemplate.spec.template.spec" : "spec.template.spec";
  const tmpl = kind === "Pod" ? undefined : kind === "CronJob" ? "spec.jobTemplate.spec.template.metadata" : "spec.template.metadata";
  const dig = (p: string) => p.split(".").reduce<unknown>((x, k) => (x && typeof x === "object" ? (x as Fields)[k] : undefined), o);
  if (tmpl) {
    const m = dig(tmpl);
    mapping(m, tmpl);
    if (m) {
      stringMap(get(m, "labels"), `${tmpl}.labels`);
      stringMap(get(m, "annotations"), `${tmpl}.annotations`);
    }
  }
  const specValue = dig(base);
  if (specValue === undefined) throw new ManifestError(`${where}: ${base} is missing`);
  mapping(specValue, base);
  const spec = fields(specValue) ?? {};
  mapping(spec.securityContext, `${base}.securityContext`);
  each(spec.volumes, `${base}.volumes`, (v, at) => {
    string(v.name, `${at}.name`);
    mapping(v.configMap, `${at}.configMap`);
    mapping(v.projected, `${at}.projected`);
    if (v.projected) each(get(v.projected, "sources"), `${at}.projected.sources`, (s, sat) => mapping(s.configMap, `${sat}.configMap`));
    if (v.configMap) each(get(v.configMap, "items"), `${at}.configMap.items`, (x, iat) => {
      string(x.key, `${iat}.key`);
      string(x.path, `${iat}.path`);
    });
  });
  for (const field of ["containers", "initContainers", "ephemeralContainers"]) {
    each(spec[field], `${base}.${field}`, (c, at) => {
      string(c.name, `${at}.name`);
      string(c.image, `${at}.image`);
      stringList(c.command, `${at}.command`);
      stringList(c.args, `${at}.args`);
      for (const m of ["resources", "securityContext"]) mapping(c[m], `${at}.${m}`);
      if (c.resources) {
        mapping(get(c.resources, "requests"), `${at}.resources.requests`);
        mapping(get(c.resources, "limits"), `${at}.resources.limits`);
      }
      for (const m of ["readinessProbe", "livenessProbe", "startupProbe"]) probe(c[m], `${at}.${m}`);
      each(c.ports, `${at}.ports`, (p, pat) => {
        if (typeof p.containerPort !== "number") fail(`${pat}.containerPort`, p.containerPort, "a number");
        string(p.name, `${pat}.name`);
        string(p.protocol, `${pat}.protocol`);
      });
      each(c.env, `${at}.env`, (e, eat) => {
        if (typeof e.name !== "string") fail(`${eat}.name`, e.name, "a string");
        if (!absent(e.value) && typeof e.value === "object") fail(`${eat}.value`, e.value, "a string");
        mapping(e.valueFrom, `${eat}.valueFrom`);
        if (e.valueFrom) for (const k of ["configMapKeyRef", "secretKeyRef", "fieldRef", "resourceFieldRef"]) mapping(get(e.valueFrom, k), `${eat}.valueFrom.${k}`);
      });
      each(c.envFrom, `${at}.envFrom`, (e, eat) => {
        string(e.prefix, `${eat}.prefix`);
        for (const k of ["configMapRef", "secretRef"]) {
          mapping(e[k], `${eat}.${k}`);
          if (e[k]) string(get(e[k], "name"), `${eat}.${k}.name`);
        }
      });
      each(c.volumeMounts, `${at}.volumeMounts`, (m, mat) => {
        string(m.name, `${mat}.name`);
        string(m.mountPath, `${mat}.mountPath`);
        string(m.subPath, `${mat}.subPath`);
      });
    });
  }
}
