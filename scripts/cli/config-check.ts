// npm run config:check -- --stack <name>      checks Pulumi.<name>.yaml
// npm run config:check -- <file> [--stack <name>]  checks any stack file
//   --assume-secrets   a secret the stack file does not hold yet (gatewayToken,
//                      set at deploy time with `pulumi config set --secret`) counts
//                      as set: for repositories that commit stack files without it
//
// Validates a stack file with the program's own schema (components/config/)
// without the Pulumi engine: reads the stack file and Pulumi.yaml's defaults as
// the engine hands them to the program (top-level scalars as their text,
// objects as typed JSON), treats `secure:` values as present but opaque, and
// prints every problem at once. For pre-commit hooks and CI.
//
// Exit 0: valid. 1: problems (each with key, value where not secret, what is
// right). 2: bad usage or unreadable input.
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { isMap, isScalar, parseDocument, type Document } from "yaml";
import { ConfigError, parseStackConfig, PROJECT } from "../../components/config";
import { rawProjectConfig } from "../../components/stack";
import { parseCommandLine, Usage } from "./lib/args";

const USAGE = [
  "usage: npm run config:check -- --stack <name> [--assume-secrets]            (checks Pulumi.<name>.yaml in the project)",
  "       npm run config:check -- <file> [--stack <name>] [--assume-secrets]   (checks a stack file; the stack name defaults from Pulumi.<name>.yaml)",
  "  --assume-secrets: a gatewayToken not yet in the file (set at deploy time) counts as set",
  "  exit 0: valid; 1: problems (all listed); 2: bad usage or unreadable input",
].join("\n");

/**
 * A value standing for a secret the engine would decrypt: shaped so every rule on
 * its form passes (the real value is checked when the engine runs the program).
 */
const OPAQUE_SECRET = "opaque-secure-value-0123456789abcdefABCDEF";

interface Args {
  file?: string;
  stack?: string;
  assumeSecrets?: boolean;
}

export function parseArgs(argv: string[]): Args {
  const { values, positionals } = parseCommandLine(
    { name: "config:check", usage: USAGE, positionals: 1, options: { stack: { type: "string" }, "assume-secrets": { type: "boolean" } } },
    argv,
  );
  const a: Args = { file: positionals[0], stack: values.stack, assumeSecrets: values["assume-secrets"] };
  if (!a.file && !a.stack) throw new Usage(`give --stack <name> or a stack file\n${USAGE}`, 2);
  return a;
}

function readYaml(path: string, what: string): Document {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Usage(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new Usage(`${what} ${path} is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`, 2);
  return doc;
}

/** Replaces every {secure: ...} with an opaque value; reports whether any was found. */
function opaque(v: unknown): { value: unknown; secure: boolean } {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (Object.keys(o).length === 1 && typeof o.secure === "string") return { value: OPAQUE_SECRET, secure: true };
    let secure = false;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      const r = opaque(x);
      out[k] = r.value;
      secure ||= r.secure;
    }
    return { value: out, secure };
  }
  if (Array.isArray(v)) {
    const items = v.map(opaque);
    return { value: items.map((r) => r.value), secure: items.some((r) => r.secure) };
  }
  return { value: v, secure: false };
}

export interface StackInput {
  stack: string;
  /** "<project>:<key>" → the text the engine hands the program. */
  config: Record<string, string>;
  secretKeys: Set<string>;
}

/** The project's config as the engine would pass it for this stack file. */
export function stackInput(stackFile: string, projectFile: string, stack: string): StackInput {
  const project = readYaml(projectFile, "project file");
  const projectName = project.get("name");
  if (typeof projectName !== "string") throw new Usage(`project file ${projectFile} has no name`, 2);
  if (projectName !== PROJECT) throw new Usage(`project file ${projectFile} is project "${projectName}", not ${PROJECT}`, 2);
  const doc = readYaml(stackFile, "stack file");
  const config: Record<string, string> = {};
  const secretKeys = new Set<string>();

  // Pulumi.yaml's defaults first; the stack file overrides them key by key.
  const declared = project.get("config");
  if (isMap(declared)) {
    for (const item of declared.items) {
      const key = String(isScalar(item.key) ? item.key.value : item.key);
      const spec = item.value;
      if (isMap(spec) && spec.has("default")) {
        const d = spec.get("default", true);
        config[`${PROJECT}:${key}`] = isScalar(d) ? String(d.source ?? d.value) : JSON.stringify((d as unknown as { toJSON(): unknown }).toJSON());
      }
    }
  }

  const root = doc.contents;
  if (root === null || root === undefined) return { stack, config, secretKeys };
  if (!isMap(root)) throw new Usage(`stack file ${stackFile} is not a YAML map`, 2);
  const cfg = doc.get("config", true);
  if (cfg === undefined || cfg === null) return { stack, config, secretKeys };
  if (!isMap(cfg)) throw new Usage(`stack file ${stackFile}: "config" is not a map`, 2);
  for (const item of cfg.items) {
    const rawKey = String(isScalar(item.key) ? item.key.value : item.key);
    // A key without a namespace belongs to the project, as the engine reads it.
    const key = rawKey.includes(":") ? rawKey : `${PROJECT}:${rawKey}`;
    if (!key.startsWith(`${PROJECT}:`)) continue; // another package's config (e.g. kubernetes:context)
    const node = item.value;
    if (isScalar(node)) {
      // The engine passes a top-level scalar as the text written in the file.
      config[key] = node.value === null ? "" : String(node.source ?? node.value);
      continue;
    }
    const js = (node as { toJSON(): unknown } | null)?.toJSON?.() ?? null;
    const { value, secure } = opaque(js);
    if (secure) secretKeys.add(key.slice(PROJECT.length + 1));
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { stack, config, secretKeys };
}

/** Every problem of a stack file, as lines; empty when it is valid. */
export function checkStackFile(stackFile: string, projectFile: string, stack: string, opts: { assumeSecrets?: boolean } = {}): string[] {
  const input = stackInput(stackFile, projectFile, stack);
  const raw = rawProjectConfig(input.config);
  if (raw.environment === undefined) raw.environment = stack;
  if (opts.assumeSecrets && raw.gatewayToken === undefined && raw.render === undefined) {
    raw.gatewayToken = OPAQUE_SECRET;
    input.secretKeys.add("gatewayToken");
  }
  try {
    parseStackConfig(raw, input.secretKeys);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

function main(argv: string[]): number {
  try {
    const a = parseArgs(argv);
    const projectDir = a.file ? dirname(resolve(a.file)) : process.cwd();
    const file = a.file ? resolve(a.file) : join(projectDir, `Pulumi.${a.stack}.yaml`);
    const stack = a.stack ?? /^Pulumi\.(.+)\.yaml$/.exec(basename(file))?.[1];
    if (!stack) throw new Usage(`cannot tell the stack name from ${basename(file)}; pass --stack <name>`, 2);
    if (!existsSync(file)) throw new Usage(`no stack file ${file}`, 2);
    const projectFile = [join(dirname(file), "Pulumi.yaml"), join(process.cwd(), "Pulumi.yaml")].find(existsSync);
    if (!projectFile) throw new Usage(`no Pulumi.yaml next to ${file} or in ${process.cwd()}`, 2);
    const problems = checkStackFile(file, projectFile, stack, { assumeSecrets: a.assumeSecrets });
    if (problems.length === 0) {
      process.stdout.write(`config:check: stack "${stack}" (${basename(file)}) is valid\n`);
      return 0;
    }
    process.stdout.write(`config:check: stack "${stack}" (${basename(file)}): ${problems.length} problem${problems.length === 1 ? "" : "s"}\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
    return 1;
  } catch (e) {
    if (e instanceof Usage) {
      (e.code === 0 ? process.stdout : process.stderr).write(`${e.message}\n`);
      return e.code;
    }
    process.stderr.write(`config:check: ${(e as Error).message}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
