// Plain Kubernetes YAML as the resources the policy engine would see: one resource
// per object (multi-document files, `kind: List`), typed like the Pulumi kubernetes
// provider types them. Malformed input becomes a ManifestError naming the file,
// the document index (1-based) and the field, never a stack trace.

import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { POD_KINDS, pulumiTypeOf } from "../model/k8s";
import type { HarnessResource } from "./engine";

export class ManifestError extends Error {}

export interface ManifestObject {
  resource: HarnessResource;
  file: string;
  doc: number;
  ref: string;
}

export function listYamlFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new ManifestError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      const entries = fs.readdirSync(p).sort();
      out.push(...listYamlFiles(entries.filter((e) => /\.ya?ml$/.test(e) || fs.statSync(path.join(p, e)).isDirectory()).map((e) => path.join(p, e))));
    } else out.push(p);
  }
  return out;
}

export function loadManifests(files: readonly string[], defaultNamespace = "default"): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const f of files) out.push(...parseManifestText(fs.readFileSync(f, "utf8"), f, defaultNamespace));
  return out;
}

export function parseManifestText(text: string, file: string, defaultNamespace = "default"): ManifestObject[] {
  const out: ManifestObject[] = [];
  const docs = parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(docs)) throw new ManifestError(`${file}: not a YAML stream`);
  docs.forEach((d, i) => {
    const where = `${file}: document ${i + 1}`;
    if (d.errors.length > 0) {
      const e = d.errors[0];
      const pos = e.linePos?.[0];
      throw new ManifestError(`${where}: YAML error${pos ? ` at line ${pos.line} column ${pos.col}` : ""}: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`);
    }
    const v = d.toJS({ maxAliasCount: 100 });
    if (v === null || v === undefined) return; // an empty document (a trailing ---)
    const items = v && typeof v === "object" && (v as { kind?: unknown }).kind === "List" ? ((v as { items?: unknown }).items ?? []) : [v];
    if (!Array.isArray(items)) throw new ManifestError(`${where}: List.items is not a sequence`);
    items.forEach((item, j) => {
      const w = items.length > 1 || item !== v ? `${where} item ${j + 1}` : where;
      out.push(toObject(item, file, i + 1, w, defaultNamespace));
    });
  });
  return out;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a sequence";
  return typeof v === "object" ? "a mapping" : `a ${typeof v} (${JSON.stringify(v)})`;
}

function toObject(v: unknown, file: string, doc: number, where: string, defaultNamespace: string): ManifestObject {
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new ManifestError(`${where}: is ${describe(v)}, expected a Kubernetes object (a mapping with apiVersion, kind, metadata)`);
  const o = v as Record<string, any>;
  if (typeof o.apiVersion !== "string" || o.apiVersion === "") throw new ManifestError(`${where}: apiVersion is missing or not a string`);
  if (typeof o.kind !== "string" || !/^[A-Z][A-Za-z0-9]*$/.test(o.kind)) throw new ManifestError(`${where}: kind is missing or not a Kubernetes kind`);
  if (!o.metadata || typeof o.metadata !== "object" || Array.isArray(o.metadata)) throw new ManifestError(`${where}: ${o.kind} has no metadata mapping`);
  if (typeof o.metadata.name !== "string" || o.metadata.name === "") throw new ManifestError(`${where}: ${o.kind} has no metadata.name`);
  for (const k of ["labels", "annotations"]) {
    const m = o.metadata[k];
    if (m !== undefined && m !== null && (typeof m !== "object" || Array.isArray(m))) throw new ManifestError(`${where}: metadata.${k} is ${describe(m)}, expected a mapping`);
  }
  const ns = typeof o.metadata.namespace === "string" && o.metadata.namespace ? o.metadata.namespace : defaultNamespace;
  const ref = `${o.kind}/${ns}/${o.metadata.name}`;
  checkShape(o, `${where} (${ref})`);
  const type = pulumiTypeOf(o.apiVersion, o.kind);
  return {
    resource: {
      type,
      props: o,
      urn: `urn:pulumi:manifests::policy-check::${type}::${file}#${doc}:${ns}/${o.metadata.name}`,
      name: o.metadata.name,
      provider: { type: "pulumi:providers:kubernetes", props: { namespace: defaultNamespace }, urn: "urn:pulumi:manifests::policy-check::pulumi:providers:kubernetes::default", name: "default" },
    },
    file,
    doc,
    ref,
  };
}

/** The fields the policies walk must have the shapes Kubernetes gives them. */
function checkShape(o: Record<string, any>, where: string): void {
  const mapping = (v: unknown, field: string) => {
    if (v !== undefined && v !== null && (typeof v !== "object" || Array.isArray(v))) throw new ManifestError(`${where}: ${field} is ${describe(v)}, expected a mapping`);
  };
  const sequence = (v: unknown, field: string) => {
    if (v !== undefined && v !== null && !Array.isArray(v)) throw new ManifestError(`${where}: ${field} is ${describe(v)}, expected a sequence`);
  };
  mapping(o.spec, "spec");
  if (o.kind === "ConfigMap") {
    mapping(o.data, "data");
    for (const [k, x] of Object.entries(o.data ?? {})) if (typeof x !== "string") throw new ManifestError(`${where}: data.${k} is ${describe(x)}, expected a string`);
  }
  if (o.kind === "Service") {
    mapping(o.spec?.selector, "spec.selector");
    sequence(o.spec?.ports, "spec.ports");
    (o.spec?.ports ?? []).forEach((p: unknown, i: number) => mapping(p, `spec.ports[${i}]`));
  }
  if (o.kind === "NetworkPolicy") {
    mapping(o.spec?.podSelector, "spec.podSelector");
    sequence(o.spec?.ingress, "spec.ingress");
    (o.spec?.ingress ?? []).forEach((r: any, i: number) => {
      mapping(r, `spec.ingress[${i}]`);
      sequence(r?.from, `spec.ingress[${i}].from`);
      sequence(r?.ports, `spec.ingress[${i}].ports`);
    });
  }
  if (!POD_KINDS.includes(o.kind)) return;
  const base = o.kind === "Pod" ? "spec" : o.kind === "CronJob" ? "spec.jobTemplate.spec.template.spec" : "spec.template.spec";
  const spec = base.split(".").reduce<any>((x, k) => (x && typeof x === "object" ? x[k] : undefined), o);
  if (spec === undefined) throw new ManifestError(`${where}: ${base} is missing`);
  mapping(spec, base);
  sequence(spec.volumes, `${base}.volumes`);
  for (const field of ["containers", "initContainers", "ephemeralContainers"]) {
    const list = spec[field];
    sequence(list, `${base}.${field}`);
    (list ?? []).forEach((c: any, i: number) => {
      const at = `${base}.${field}[${i}]`;
      mapping(c, at);
      if (c.image !== undefined && typeof c.image !== "string") throw new ManifestError(`${where}: ${at}.image is ${describe(c.image)}, expected a string`);
      for (const s of ["command", "args", "env", "envFrom", "ports", "volumeMounts"]) sequence(c[s], `${at}.${s}`);
      for (const m of ["resources", "securityContext", "readinessProbe", "livenessProbe", "startupProbe"]) mapping(c[m], `${at}.${m}`);
      (c.ports ?? []).forEach((p: any, j: number) => {
        mapping(p, `${at}.ports[${j}]`);
        if (typeof p.containerPort !== "number") throw new ManifestError(`${where}: ${at}.ports[${j}].containerPort is ${describe(p.containerPort)}, expected a number`);
      });
      (c.env ?? []).forEach((e: any, j: number) => mapping(e, `${at}.env[${j}]`));
    });
  }
}
