// The README's Configuration table and Pulumi.yaml's config block are made from
// components/config/config-docs.ts and the schema (npm run docs:config), and those rows are held
// to the schema here: every key the schema accepts has a row (down to the depth the rows go), every row names a key the schema
// has, and a default the schema applies is the default the row states.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { z } from "zod";
import { CONFIG_DOCS, DECLARED_IN_PULUMI_YAML, shapeOfSchema, unwrapSchema, type ConfigDoc } from "../../../components/config/config-docs";
import { configSchema } from "../../../components/config";
import { pulumiYamlWithConfig, readmeWithConfigTable } from "../../../scripts/gen/config-docs";
import { ROOT } from "../../support/program";

/** The schema node of a dotted key, or undefined when there is none. */
function nodeAt(key: string): z.ZodType | undefined {
  let s: z.ZodType | undefined = configSchema as unknown as z.ZodType;
  for (const part of key.split(".")) {
    const shape: Record<string, z.ZodType> | undefined = s ? shapeOfSchema(s) : undefined;
    s = shape && Object.hasOwn(shape, part) ? shape[part] : undefined;
  }
  return s;
}

const docKeys = () => CONFIG_DOCS.map((d) => d.key);
/** Keys of an object that need a row: all of them, once a row goes below that object. */
function uncovered(prefix: string, s: z.ZodType): string[] {
  const shape = shapeOfSchema(s);
  if (!shape) return [];
  const keys = docKeys();
  const out: string[] = [];
  for (const [k, child] of Object.entries(shape)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (keys.includes(key)) continue;
    if (!keys.some((d) => d.startsWith(`${key}.`))) out.push(key);
    else out.push(...uncovered(key, child));
  }
  return out;
}

describe("the Configuration table", () => {
  it("is in the README exactly as npm run docs:config writes it", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const next = readmeWithConfigTable(readme);
    expect(next, "README.md lacks the <!-- config:begin/end --> markers").toBeDefined();
    expect(next === readme, "the README's Configuration table is stale: run `npm run docs:config`").toBe(true);
  });

  it("Pulumi.yaml's config block is exactly what npm run docs:config writes", () => {
    const text = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
    const next = pulumiYamlWithConfig(text);
    expect(next, "Pulumi.yaml lacks the # config:begin / # config:end markers").toBeDefined();
    expect(next === text, "Pulumi.yaml's config block is stale: run `npm run docs:config`").toBe(true);
  });

  it("Pulumi.yaml declares exactly the chosen keys, with the schema's defaults, and no required key the schema makes optional", () => {
    const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown; description: string }> };
    expect(Object.keys(project.config)).toEqual(DECLARED_IN_PULUMI_YAML);
    for (const [key, decl] of Object.entries(project.config)) {
      const node = unwrapSchema(nodeAt(key)!);
      expect(decl.default, key).toEqual(node.default);
      // Declared without a default means required in every stack: only where the schema requires it too.
      if (decl.default === undefined) expect(node.optional, `${key} is optional in the schema`).toBe(false);
      expect(decl.description.length, key).toBeGreaterThan(20);
    }
  });

  it("has a row for every key the schema accepts, at the depth the rows go", () => {
    expect(uncovered("", configSchema as unknown as z.ZodType)).toEqual([]);
  });

  it("names only keys the schema has, each once", () => {
    const keys = docKeys();
    expect(keys.filter((k) => nodeAt(k) === undefined)).toEqual([]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("states the default the schema applies, for every key with a scalar default", () => {
    const wrong: string[] = [];
    for (const d of CONFIG_DOCS as ConfigDoc[]) {
      const v = unwrapSchema(nodeAt(d.key)!).default;
      if (v === undefined || (typeof v === "object" && v !== null)) continue;
      // A long text default (where the figures come from) is named, not quoted.
      if (typeof v === "string" && v.length > 40) {
        if (!/\bdefault\b/.test(d.type)) wrong.push(`${d.key}: the schema has a default, the row does not say so`);
        continue;
      }
      if (!new RegExp(`default:? \`?${String(v).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\`?(\\b|$)`).test(d.type)) wrong.push(`${d.key}: the schema's default is ${JSON.stringify(v)}, the row says "${d.type}"`);
    }
    expect(wrong).toEqual([]);
  });

  it("the completeness check finds a key without a row (it can fail)", () => {
    const at = CONFIG_DOCS.findIndex((d) => d.key === "gateway.coldStartSeconds");
    const saved = CONFIG_DOCS.splice(at, 1);
    try {
      expect(uncovered("", configSchema as unknown as z.ZodType)).toEqual(["gateway.coldStartSeconds"]);
    } finally {
      CONFIG_DOCS.splice(at, 0, ...saved); // back in its place: the table's order is the README's
    }
  });
});
