// Runs the real program (index.ts) under Pulumi mocks for one stack, with the
// stack's own Pulumi.<stack>.yaml, and collects every registered resource.
// Mocks prove structure only; the engine itself is exercised by test/e2e.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { vi } from "vitest";
import { parse } from "yaml";
import { PROJECT } from "../../components/config";

export const ROOT = path.resolve(__dirname, "../..");

export interface RegisteredResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

export interface ProgramRun {
  resources: RegisteredResource[];
  outputs: Record<string, unknown>;
  token: string;
  byType(type: string): RegisteredResource[];
  one(type: string): RegisteredResource;
}

/** Stack config as Pulumi hands it to a program: "<project>:<key>" → text (objects as JSON). */
export function stackConfig(stack: string): Record<string, unknown> {
  const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc.config)) raw[key.slice(PROJECT.length + 1)] = value;
  return raw;
}

export const TEST_TOKEN = "test-token-4f6b0e1d9a7c43b2b8e5d6c7a1f0e9d8c7b6a5f4";

/**
 * @param mutate edits the raw config (keys without the project prefix) before the run.
 * @param token the gatewayToken to set as a secret (undefined: none; stacks that render need none).
 */
export async function runProgram(
  stack: string,
  mutate: (raw: Record<string, any>) => void = () => {},
  options: { token?: string | null; tokenSecret?: boolean } = {},
): Promise<ProgramRun> {
  const raw = stackConfig(stack) as Record<string, any>;
  const token = options.token === undefined ? (raw.render ? undefined : TEST_TOKEN) : options.token ?? undefined;
  if (token !== undefined) raw.gatewayToken = token;
  mutate(raw);
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    config[`${PROJECT}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const secretKeys = raw.gatewayToken !== undefined && options.tokenSecret !== false ? [`${PROJECT}:gatewayToken`] : [];
  pulumi.runtime.setAllConfig(config, secretKeys);

  const resources: RegisteredResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    stack,
    false,
  );

  vi.resetModules();
  const program = (await import("../../index")) as Record<string, unknown>;
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program)) outputs[key] = await resolve(value);
  // Let any registration still in flight finish.
  await new Promise((r) => setTimeout(r, 50));
  return {
    resources,
    outputs,
    token: token ?? "",
    byType: (type) => resources.filter((r) => r.type === type),
    one: (type) => {
      const found = resources.filter((r) => r.type === type);
      if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
      return found[0];
    },
  };
}

function resolve(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) return new Promise((r) => (value as pulumi.Output<unknown>).apply((v) => r(v)));
  return Promise.resolve(value);
}
