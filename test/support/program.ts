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
  /** Inputs with Pulumi secrets unwrapped to their plain values. */
  inputs: Record<string, any>;
  /** Dotted paths of the inputs that arrived as Pulumi secrets. */
  secretPaths: string[];
}

// How the engine marks a secret value on the wire (sdk/nodejs/runtime/rpc.ts).
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

function unwrapSecrets(v: any, at: string, found: string[]): any {
  if (Array.isArray(v)) return v.map((x, i) => unwrapSecrets(x, `${at}[${i}]`, found));
  if (v !== null && typeof v === "object") {
    if (v[SECRET_SIG] === SECRET_VALUE) {
      found.push(at);
      return unwrapSecrets(v.value, at, found);
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x, at ? `${at}.${k}` : k, found)]));
  }
  return v;
}

export interface ProgramRun {
  resources: RegisteredResource[];
  outputs: Record<string, unknown>;
  token: string;
  byType(type: string): RegisteredResource[];
  one(type: string): RegisteredResource;
}

/** The program refused to run; `resources` is what it had registered by then. */
export class ProgramError extends Error {
  constructor(
    public readonly cause: Error,
    public readonly resources: RegisteredResource[],
  ) {
    super(cause.message);
  }
}

/** Runs a stack that must fail, returning the error and what was registered before it. */
export async function runProgramExpectingError(
  stack: string,
  mutate: (raw: Record<string, any>) => void,
  options: RunOptions = {},
): Promise<ProgramError> {
  try {
    await runProgram(stack, mutate, options);
  } catch (e) {
    if (e instanceof ProgramError) return e;
    throw e;
  }
  throw new Error(`stack ${stack} ran although its config was expected to be refused`);
}

/** Stack config as Pulumi hands it to a program: "<project>:<key>" → text (objects as JSON). */
export function stackConfig(stack: string): Record<string, unknown> {
  const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc.config)) raw[key.slice(PROJECT.length + 1)] = value;
  return raw;
}

export interface RunOptions {
  /** The gatewayToken to set (undefined: the test token unless the stack renders; null: none). */
  token?: string | null;
  /** false: store the token in plain text. */
  tokenSecret?: boolean;
  /** Further top-level keys Pulumi holds as secrets (e.g. "mac"). */
  extraSecrets?: string[];
}

export const TEST_TOKEN = "test-token-4f6b0e1d9a7c43b2b8e5d6c7a1f0e9d8c7b6a5f4";

/**
 * @param mutate edits the raw config (keys without the project prefix) before the run.
 * @param token the gatewayToken to set as a secret (undefined: none; stacks that render need none).
 */
export async function runProgram(
  stack: string,
  mutate: (raw: Record<string, any>) => void = () => {},
  options: RunOptions = {},
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
  const secretKeys = [
    ...(raw.gatewayToken !== undefined && options.tokenSecret !== false ? [`${PROJECT}:gatewayToken`] : []),
    ...(options.extraSecrets ?? []).map((k) => `${PROJECT}:${k}`),
  ];
  pulumi.runtime.setAllConfig(config, secretKeys);

  const resources: RegisteredResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const secretPaths: string[] = [];
        resources.push({ type: args.type, name: args.name, inputs: unwrapSecrets(args.inputs, "", secretPaths), secretPaths });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    stack,
    false,
  );

  vi.resetModules();
  let program: Record<string, unknown>;
  try {
    program = (await import(path.join(ROOT, "index.ts"))) as Record<string, unknown>;
  } catch (error) {
    throw new ProgramError(error as Error, resources);
  }
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
