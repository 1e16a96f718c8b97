// The stack configuration: one zod schema (schema.ts), parsed once in index.ts into the
// settings every component reads (derive.ts). A bad config lists every problem at once
// (messages.ts); secrets never appear in them (secrets.ts).
import { derive, type GatewaySettings } from "./derive";
import { CONTROL_CHARS, describeIssue, FREE_TEXT_PATHS, show, stringLeaves } from "./messages";
import { configSchema, PROJECT } from "./schema";
import { isSecretPath } from "./secrets";

export { effectiveMemory, effectiveTrustedProxies, type GatewaySettings } from "./derive";
export { configSchema, DEFAULT_LIMIT_RATIO, LOCAL_PLACEHOLDER_TOKEN, MEASURED_BOOT_PEAK, MEASURED_P95_WORKING_SET, MEASURED_SOURCE, PROJECT, type StackConfig } from "./schema";
export { withoutSecrets } from "./secrets";

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Parses raw stack config (keys without the project prefix) and derives every
 * setting. Throws one ConfigError that lists every problem at once.
 * `secretKeys` are the keys Pulumi holds as secrets; a token stored in plain
 * text is rejected.
 */
export function parseStackConfig(raw: Record<string, unknown>, secretKeys: ReadonlySet<string> = new Set()): GatewaySettings {
  const problems: string[] = [];
  const result = configSchema.safeParse(raw);
  const reported = new Set<string>();
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push(describeIssue(issue, raw));
      reported.add(issue.path.map(String).join("."));
    }
  }
  for (const { path, value } of stringLeaves(raw, [])) {
    const dotted = path.join(".");
    if (reported.has(dotted) || isSecretPath(path) || FREE_TEXT_PATHS.some((p) => dotted === p || dotted.startsWith(`${p}.`))) continue;
    if (CONTROL_CHARS.test(value)) {
      problems.push(`${PROJECT}:${dotted} = ${show(value)}: contains control characters (a line break, NUL, escape, ...); they would forge lines in annotations, known_hosts or the ticket. Remove them`);
    }
  }
  if (raw.gatewayToken !== undefined && !secretKeys.has("gatewayToken")) {
    problems.push(`${PROJECT}:gatewayToken is stored in plain text; store it as a secret: \`pulumi config set --secret gatewayToken <token>\``);
  }
  const mac = raw.mac as { ssh?: { privateKey?: unknown }; gateway?: { token?: unknown } } | undefined;
  if ((mac?.ssh?.privateKey !== undefined || mac?.gateway?.token !== undefined) && !secretKeys.has("mac")) {
    problems.push(`${PROJECT}:mac holds a private key or token in plain text; store them as secrets: \`pulumi config set --secret --path mac.ssh.privateKey < key\``);
  }
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  return derive(result.data);
}
