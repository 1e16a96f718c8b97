// Policy pack config files (`--policy-pack-config <file>`):
//   {"all": "mandatory", "<policy>": "advisory" | {"enforcementLevel": ..., "<key>": ...}}
// validated against each policy's configSchema with messages that name the key and
// the expected value, and resolved the way the CLI does before it calls Configure:
// per policy, its own level, else "all", else its default; properties as written.

import * as fs from "fs";
import type { EnforcementLevel } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import type { OpenClawPolicy } from "../policy-pack/policies/framework";
import { checkPatterns } from "../policy-pack/rules/recognition";

export type PackConfigFile = Record<string, unknown>;

export interface ResolvedPolicyConfig {
  enforcementLevel?: EnforcementLevel;
  properties: Record<string, unknown>;
}

const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

export function loadConfigFile(path: string): PackConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`cannot read policy config ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`policy config ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error(`policy config ${path} must be a JSON object keyed by policy name (or "all")`);
  return v as PackConfigFile;
}

export function validateConfigFile(policies: readonly OpenClawPolicy[], file: PackConfigFile): string[] {
  const errors: string[] = [];
  const byName = new Map(policies.map((p) => [p.name, p]));
  for (const [name, entry] of Object.entries(file)) {
    if (name === "all") {
      if (typeof entry !== "string" || !LEVELS.includes(entry)) errors.push(`all: ${JSON.stringify(entry)} is not an enforcement level (${LEVELS.join(", ")})`);
      continue;
    }
    const p = byName.get(name);
    if (!p) {
      errors.push(`${name}: no such policy; the pack has ${[...byName.keys()].join(", ")}`);
      continue;
    }
    if (typeof entry === "string") {
      if (!LEVELS.includes(entry)) errors.push(`${name}: "${entry}" is not an enforcement level (${LEVELS.join(", ")})`);
      continue;
    }
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) {
      errors.push(`${name}: expected an enforcement level or an object of settings, got ${JSON.stringify(entry)}`);
      continue;
    }
    const { enforcementLevel, ...props } = entry as Record<string, unknown>;
    if (enforcementLevel !== undefined && (typeof enforcementLevel !== "string" || !LEVELS.includes(enforcementLevel))) {
      errors.push(`${name}.enforcementLevel: ${JSON.stringify(enforcementLevel)} is not one of ${LEVELS.join(", ")}`);
    }
    const schema = p.configSchema ?? { properties: {} };
    for (const [k, v] of Object.entries(props)) {
      const s = schema.properties[k];
      if (!s) {
        errors.push(`${name}.${k}: unknown setting; ${name} accepts ${Object.keys(schema.properties).join(", ") || "only enforcementLevel"}`);
        continue;
      }
      validateValue(`${name}.${k}`, v, s, errors);
    }
    for (const req of schema.required ?? []) if (!(req in props)) errors.push(`${name}.${req}: required`);
    // Regexes: a pattern that does not compile is named here, not found at run time.
    if (name === "gateway-recognition") {
      errors.push(...checkPatterns(props as never, name));
      if (enforcementLevel === "disabled" && Object.keys(props).length > 0) errors.push(`${name}: disabled, its settings (${Object.keys(props).join(", ")}) would be ignored; leave it enabled (it reports nothing)`);
    }
    const regexList = (k: string) => {
      const v = props[k];
      if (!Array.isArray(v)) return;
      v.forEach((p, i) => {
        if (typeof p !== "string") return;
        try {
          new RegExp(p);
        } catch (e) {
          errors.push(`${name}.${k}[${i}]: ${JSON.stringify(p)} is not a valid regular expression (${(e as Error).message.replace(/^Invalid regular expression: /, "")})`);
        }
      });
    };
    for (const k of ["gatewayImagePatterns", "gatewayEntryPatterns", "exemptImages"]) regexList(k);
  }
  return errors;
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number" && Number.isInteger(v)) return "integer";
  return typeof v;
}

function validateValue(path: string, v: unknown, s: PolicyConfigJSONSchema | boolean, errors: string[]): void {
  if (s === true) return;
  if (s === false) {
    errors.push(`${path}: not allowed`);
    return;
  }
  if (s.type) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    const t = typeOf(v);
    const ok = types.some((x) => x === t || (x === "number" && t === "integer"));
    if (!ok) {
      errors.push(`${path}: expected ${types.join(" or ")}, got ${t} ${JSON.stringify(v)}`);
      return;
    }
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) errors.push(`${path}: ${JSON.stringify(v)} is not one of ${s.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  if (typeof v === "number") {
    if (s.minimum !== undefined && v < s.minimum) errors.push(`${path}: ${v} is below the minimum ${s.minimum}`);
    if (s.maximum !== undefined && v > s.maximum) errors.push(`${path}: ${v} is above the maximum ${s.maximum}`);
  }
  if (Array.isArray(v) && s.items && !Array.isArray(s.items)) v.forEach((x, i) => validateValue(`${path}[${i}]`, x, s.items as PolicyConfigJSONSchema, errors));
  if (v && typeof v === "object" && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) {
      const ps = s.properties?.[k];
      if (ps !== undefined) validateValue(`${path}.${k}`, x, ps, errors);
      else if (s.additionalProperties !== undefined) validateValue(`${path}.${k}`, x, s.additionalProperties, errors);
    }
  }
}

export function resolveConfig(policies: readonly OpenClawPolicy[], file: PackConfigFile): Record<string, ResolvedPolicyConfig> {
  const all = typeof file.all === "string" ? (file.all as EnforcementLevel) : undefined;
  const out: Record<string, ResolvedPolicyConfig> = {};
  for (const p of policies) {
    const entry = file[p.name];
    if (typeof entry === "string") out[p.name] = { enforcementLevel: entry as EnforcementLevel, properties: {} };
    else if (entry && typeof entry === "object") {
      const { enforcementLevel, ...properties } = entry as Record<string, unknown>;
      out[p.name] = { enforcementLevel: (enforcementLevel as EnforcementLevel | undefined) ?? all ?? p.enforcementLevel, properties };
    } else out[p.name] = { enforcementLevel: all ?? p.enforcementLevel, properties: {} };
  }
  return out;
}
