// The Pulumi edge of the config: reads this stack's raw values once and hands
// them to the pure schema in config.ts. Nothing else reads pulumi.Config.
// The SDK is loaded by loadStack() only: `npm run config:check` uses rawProjectConfig()
// without the engine, and loading @pulumi/pulumi costs it ~3 s of start-up.
import type * as pulumi from "@pulumi/pulumi";
import { ConfigError, LOCAL_PLACEHOLDER_TOKEN, parseStackConfig, PROJECT, type GatewaySettings } from "./config";

export interface LoadedStack {
  stack: string;
  settings: GatewaySettings;
  token: pulumi.Output<string>;
}

/**
 * Raw project config as the schema reads it. Pulumi hands every value over as
 * text: objects and arrays as JSON (their numbers and booleans are typed), top-level
 * scalars as the text written in the stack file. Only objects and arrays are
 * parsed here; a top-level "2024" or "1e3" stays a string (a namespace or an
 * environment may look like a number), and the schema reads the few numeric and
 * boolean top-level keys (replicas, createNamespace) from their text.
 */
export function rawProjectConfig(all: Record<string, string>, project = PROJECT): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(`${project}:`)) continue;
    const key = fullKey.slice(project.length + 1);
    raw[key] = parseValue(text);
  }
  return raw;
}

function parseValue(text: string): unknown {
  const t = text.trimStart();
  if (!t.startsWith("{") && !t.startsWith("[")) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function loadStack(): LoadedStack {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  // Marked @internal in the SDK but it is how Pulumi itself knows a key is secret.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };
  const stack = pulumi.getStack();
  const raw = rawProjectConfig(pulumi.runtime.allConfig());
  if (raw.environment === undefined) raw.environment = stack;
  const secretKeys = new Set(Object.keys(raw).filter((k) => isConfigSecret(`${PROJECT}:${k}`)));
  let settings: GatewaySettings;
  try {
    settings = parseStackConfig(raw, secretKeys);
  } catch (e) {
    // RunError: Pulumi prints the message alone, without a stack trace.
    if (e instanceof ConfigError) throw new pulumi.RunError(`${e.message}\n(stack "${stack}": Pulumi.${stack}.yaml)`);
    throw e;
  }
  const token = settings.renderOnly
    ? pulumi.secret(LOCAL_PLACEHOLDER_TOKEN)
    : new pulumi.Config(PROJECT).requireSecret("gatewayToken");
  return { stack, settings, token };
}
