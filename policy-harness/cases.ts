// Fixture cases: the good gateway (test/fixtures/policy/good-gateway.yaml) broken in one way each.
// A case file names its expectation and a patch:
//   description: what breaks
//   expect: [policy-name, ...]        the policies that must report, exactly
//   config: {...}                      optional pack config (default: the pack's defaults)
//   patch:
//     - { op: set,    target: Kind/name, path: /json/pointer, value: ... }
//     - { op: remove, target: Kind/name, path: /json/pointer }
//     - { op: delete, target: Kind/name }          drop the object
//     - { op: add,    value: {a Kubernetes object} }
// Paths are JSON pointers (RFC 6901: "~1" is "/", "~0" is "~").

import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { parseManifestText, type ManifestObject } from "./manifests";
import type { PackConfigFile } from "./config";

export const FIXTURES = path.resolve(__dirname, "../test/fixtures/policy");
export const GOOD = path.join(FIXTURES, "good-gateway.yaml");

interface PatchOp {
  op: "set" | "remove" | "delete" | "add";
  target?: string;
  path?: string;
  value?: unknown;
}

export interface Case {
  name: string;
  description: string;
  expect: string[];
  expectMessage?: string;
  config?: PackConfigFile;
  patch: PatchOp[];
}

export function loadCases(dir = path.join(FIXTURES, "cases")): Case[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort().map((f) => {
    const doc = parse(fs.readFileSync(path.join(dir, f), "utf8")) as Omit<Case, "name">;
    return { name: f.replace(/\.yaml$/, ""), ...doc };
  });
}

/** A document of the good fixture: a named Kubernetes object, its other fields as YAML gives them. */
export type FixtureDoc = { apiVersion: string; kind: string; metadata: { name: string; [field: string]: unknown }; [field: string]: unknown };

export function goodDocs(): FixtureDoc[] {
  return fs.readFileSync(GOOD, "utf8").split(/^---$/m).map((d) => parse(d) as unknown).filter((d): d is FixtureDoc => !!d && typeof d === "object");
}

function pointer(p: string): string[] {
  if (!p.startsWith("/")) throw new Error(`patch path "${p}" must start with /`);
  return p.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The good fixture's objects with the case's patch applied. */
export function applyCase(c: Case, docs = goodDocs()): FixtureDoc[] {
  let objs = structuredClone(docs);
  const find = (target: string) => {
    const [kind, name] = target.split("/");
    const o = objs.find((x) => x.kind === kind && x.metadata?.name === name);
    if (!o) throw new Error(`case ${c.name}: no ${target} in the good fixture`);
    return o;
  };
  for (const op of c.patch) {
    if (op.op === "add") {
      objs.push(structuredClone(op.value) as FixtureDoc);
      continue;
    }
    if (op.op === "delete") {
      const o = find(op.target!);
      objs = objs.filter((x) => x !== o);
      continue;
    }
    const keys = pointer(op.path!);
    // A JSON pointer walks mappings and sequences alike: index both as records.
    let cur = find(op.target!) as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) {
      if (cur[k] === undefined) {
        if (op.op === "remove") throw new Error(`case ${c.name}: ${op.path} does not exist in ${op.target}`);
        cur[k] = {};
      }
      cur = cur[k] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1];
    if (op.op === "set") {
      if (Array.isArray(cur) && last === "-") cur.push(op.value);
      else cur[last] = structuredClone(op.value);
    } else {
      if (!(last in cur)) throw new Error(`case ${c.name}: ${op.path} does not exist in ${op.target}`);
      if (Array.isArray(cur)) cur.splice(Number(last), 1);
      else delete cur[last];
    }
  }
  return objs;
}

export function caseYaml(c: Case): string {
  return `# ${c.description}\n` + applyCase(c).map((o) => stringify(o, { aliasDuplicateObjects: false })).join("---\n");
}

export function caseObjects(c: Case): ManifestObject[] {
  return parseManifestText(caseYaml(c), `cases/${c.name}.yaml`);
}
