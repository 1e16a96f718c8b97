// A config problem in words: the key, the value given (never a secret) and what would
// be right.
import { z } from "zod";
import { configSchema, PROJECT } from "./schema";
import { isSecretPath } from "./secrets";

export function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const path = issue.path.map(String);
  const key = `${PROJECT}:${path.join(".")}`;
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(path);
    const where = path.length ? `${key}: unknown` : `${PROJECT}: unknown config`;
    return `${where} key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}${known.length ? `; known keys here: ${known.join(", ")}` : ""}`;
  }
  if (issue.code === "invalid_type" && valueAt(raw, path) === undefined) return `${key} is required`;
  if (issue.code === "invalid_type") {
    message = `must be ${issue.expected === "int" ? "an integer" : `a ${issue.expected}`}`;
    const given = valueAt(raw, path);
    if (issue.expected === "string" && (typeof given === "number" || typeof given === "boolean")) message += ` (YAML read ${JSON.stringify(given)} as a ${typeof given}: quote it in the stack file, e.g. "${given}")`;
  }
  // A bad record key: zod nests the key's own issue.
  if (issue.code === "invalid_key" && issue.issues[0]) message = `the key ${issue.issues[0].message}`;
  const given = isSecretPath(path) ? "(secret, not shown)" : show(valueAt(raw, path));
  return `${key} = ${given}: ${message}`;
}

/** Keys whose values are free text by design (a kubeconfig document, the gateway's own settings). */
export const FREE_TEXT_PATHS = ["cluster.kubeconfig", "mac.gateway.settings"];
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function stringLeaves(v: unknown, path: string[]): Array<{ path: string[]; value: string }> {
  if (typeof v === "string") return [{ path, value: v }];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringLeaves(x, [...path, String(i)]));
  if (v !== null && typeof v === "object") {
    return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => [
      ...(CONTROL_CHARS.test(k) ? [{ path, value: k }] : []),
      ...stringLeaves(x, [...path, k]),
    ]);
  }
  return [];
}

function valueAt(raw: unknown, path: string[]): unknown {
  let v = raw;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

export function show(v: unknown): string {
  if (v === undefined) return "(not set)";
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function knownKeys(path: string[]): string[] {
  let schema: z.ZodType = configSchema;
  for (const p of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[p];
    else return [];
    if (!schema) return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return s;
  }
}
