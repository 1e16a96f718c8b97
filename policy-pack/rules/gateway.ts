// How the OpenClaw gateway process resolves what it listens on, read from its
// argv, environment and config file: the same precedence as openclaw 2026.9.6
// (dist/run-*.mjs, dist/paths-*.mjs, dist/auth-resolve-*.mjs, gateway-run-argv.mjs).
//
//   bind: --bind  > gateway.bind > default ("auto" in a container, "loopback" with Tailscale on)
//         (2026.9.6 reads no OPENCLAW_GATEWAY_BIND variable: grep of dist/ finds none)
//   port: --port  > OPENCLAW_GATEWAY_PORT > gateway.port > 18789 (a hash of OPENCLAW_PROFILE when set)
//   auth: --auth  > gateway.auth.mode > "token"; credentials from flags, config, then
//         OPENCLAW_GATEWAY_TOKEN / OPENCLAW_GATEWAY_PASSWORD.
// Off loopback without a token or password (and not trusted-proxy) the gateway exits 78.

import JSON5 = require("json5");
import { IMAGE } from "./names";
import { isUnknownWord } from "./shell";

const BIND_MODES = ["loopback", "lan", "auto", "custom", "tailnet"] as const;
export const AUTH_MODES = ["none", "token", "password", "trusted-proxy"] as const;

/** Flags of `openclaw gateway run` that take a value (openclaw gateway-run-argv.mjs). */
const VALUE_FLAGS = new Set([
  "--port", "--bind", "--token", "--token-file", "--auth", "--password", "--password-file",
  "--tailscale", "--ws-log", "--raw-stream-path",
]);
/** Root options that take a value and may precede the command path. */
const ROOT_VALUE_FLAGS = new Set(["--profile", "--log-level", "--container"]);

/**
 * An environment variable as the pod spec gives it: a literal, a reference
 * (secret/configMap/field), or absent. References count as "set" for credential
 * checks but their value is not known.
 */
/** `literal`: written in env[].value of the pod spec itself (not read from a ConfigMap). */
type EnvValue = { value: string; literal?: boolean } | { ref: string };
export type EnvMap = Record<string, EnvValue>;

/** The gateway config file (`openclaw.json`), only the keys the rules read. */
export interface GatewayConfigFile {
  gateway?: {
    port?: unknown;
    bind?: unknown;
    customBindHost?: unknown;
    mode?: unknown;
    auth?: { mode?: unknown; token?: unknown; password?: unknown };
    tailscale?: { mode?: unknown };
    trustedProxies?: unknown;
  };
}

export interface GatewayArgv {
  /** True when argv runs the foreground gateway server (`gateway` or `gateway run`). */
  isGatewayRun: boolean;
  /** Index of the token that names the openclaw entry point, or -1. */
  entryIndex: number;
  flags: Record<string, string | true>;
  /** The command path after the entry point (`gateway run`, `doctor`, `gateway start`). */
  positionals: string[];
}

const compiled = new Map<string, RegExp>();
/** Patterns come from policy config as strings; compile each once (every policy asks per object). */
export function re(pattern: string): RegExp {
  let r = compiled.get(pattern);
  if (!r) {
    r = new RegExp(pattern);
    compiled.set(pattern, r);
  }
  return r;
}

const DEFAULT_ENTRY_PATTERNS = ["(^|/)openclaw(\\.mjs)?$", "(^|/)dist/index\\.m?js$", "(^|/)dist/entry\\.m?js$"];

/** Programs that run a script given as their first operand (`node [options] <script> …`). */
const SCRIPT_RUNNERS = /(^|\/)(node|nodejs|bun|tsx|npx|deno)$/;
/** Runner options that take a value as the next word. */
const RUNNER_VALUE_OPTIONS = new Set(["-r", "--require", "--import", "--loader", "--experimental-loader", "-e", "--eval", "-p", "--print", "--env-file", "--title", "--inspect-port", "--conditions", "-C"]);

/**
 * Where argv names an openclaw entry point: the program itself (`openclaw …`,
 * `/app/openclaw.mjs …`), or the script a runtime runs (`node --max-old-space-size=1536
 * /app/dist/index.js …`). A path that merely contains "openclaw" elsewhere in argv
 * (`chown -R 1000 /home/openclaw`) is not one.
 */
export function entryIndexOf(argv: readonly string[], entryPatterns: readonly string[] = DEFAULT_ENTRY_PATTERNS): number {
  if (argv.length === 0) return -1;
  const isEntry = (t: string) => entryPatterns.some((p) => re(p).test(t));
  if (isEntry(argv[0])) return 0;
  if (!SCRIPT_RUNNERS.test(argv[0])) return -1;
  for (let i = 1; i < argv.length; i++) {
    const t = argv[i];
    if (t === "--") return i + 1 < argv.length && isEntry(argv[i + 1]) ? i + 1 : -1;
    if (t === "-e" || t === "--eval" || t === "-p" || t === "--print") return -1; // inline code, no entry script
    if (RUNNER_VALUE_OPTIONS.has(t)) {
      i++;
      continue;
    }
    if (t.startsWith("-")) continue;
    if (t === "exec" && /(^|\/)npx$/.test(argv[0])) continue;
    return isEntry(t) ? i : -1;
  }
  return -1;
}

/**
 * Reads the gateway subcommand and its flags after an openclaw entry point in argv.
 * `node /app/dist/index.js gateway run --bind lan` and `openclaw gateway --port 18789`
 * both run the gateway; `openclaw gateway health`, `gateway start` or `doctor` do not.
 */
export function parseGatewayArgv(argv: readonly string[], entryPatterns: readonly string[] = DEFAULT_ENTRY_PATTERNS): GatewayArgv {
  const entryIndex = entryIndexOf(argv, entryPatterns);
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  if (entryIndex < 0) return { isGatewayRun: false, entryIndex, flags, positionals };
  for (let i = entryIndex + 1; i < argv.length; i++) {
    const tok = argv[i];
    if (tok === "--") break;
    if (tok.startsWith("--")) {
      const eq = tok.indexOf("=");
      const name = eq >= 0 ? tok.slice(0, eq) : tok;
      if (eq >= 0) flags[name] = tok.slice(eq + 1);
      else if ((VALUE_FLAGS.has(name) || ROOT_VALUE_FLAGS.has(name)) && i + 1 < argv.length) flags[name] = argv[++i];
      else flags[name] = true;
      continue;
    }
    positionals.push(tok);
  }
  const isGatewayRun =
    positionals[0] === "gateway" && (positionals.length === 1 || (positionals.length === 2 && positionals[1] === "run"));
  return { isGatewayRun, entryIndex, flags, positionals };
}

export interface ResolvedSetting<T> {
  value: T;
  /** Where the value came from, in the words an operator would search for. */
  source: string;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

function flag(flags: Record<string, string | true>, name: string): string | undefined {
  const v = flags[name];
  return typeof v === "string" ? v : undefined;
}

function literal(env: EnvMap, name: string): string | undefined {
  const v = env[name];
  return v && "value" in v ? v.value : undefined;
}

/**
 * The bind mode the gateway will use. `env` is accepted for symmetry with port and
 * auth; 2026.9.6 reads no bind variable. Unset → "auto" (a pod is a container).
 */
export function effectiveBind(argv: GatewayArgv, _env: EnvMap, config: GatewayConfigFile | undefined): ResolvedSetting<string> {
  const fromFlag = str(flag(argv.flags, "--bind"));
  if (fromFlag && isUnknownWord(fromFlag)) return { value: UNKNOWN_BIND, source: "--bind (a shell or $(VAR) expansion whose value the manifest does not fix)" };
  if (fromFlag) return { value: fromFlag, source: "--bind" };
  const fromConfig = str(config?.gateway?.bind);
  if (fromConfig) return { value: fromConfig, source: "gateway.bind in the config file" };
  const tailscale = str(flag(argv.flags, "--tailscale")) ?? str(config?.gateway?.tailscale?.mode) ?? "off";
  if (tailscale !== "off") return { value: "loopback", source: "the default with Tailscale on" };
  return { value: "auto", source: "the default (no --bind, no gateway.bind)" };
}

/** The bind value when argv sets it from a variable the manifest does not show. */
const UNKNOWN_BIND = "(unknown)";

export type Reachability = "pod-ip" | "loopback-only" | "uncertain" | "invalid";

/** Whether a bind mode makes the gateway reachable on the pod IP (Service, Ingress, kubelet probes). */
export function bindReachability(mode: string, customBindHost?: unknown): { reach: Reachability; why: string } {
  switch (mode) {
    case "lan":
      return { reach: "pod-ip", why: "lan listens on 0.0.0.0" };
    case UNKNOWN_BIND:
      return { reach: "uncertain", why: "the bind comes from a variable whose value the manifest does not show" };
    case "loopback":
      return { reach: "loopback-only", why: "loopback listens on 127.0.0.1 and ::1 only; port-forward works, Service traffic on the pod IP does not" };
    case "auto":
      return { reach: "uncertain", why: "auto picks 0.0.0.0 only when the gateway detects a container (/.dockerenv, /run/.containerenv or a kubepods cgroup), else 127.0.0.1" };
    case "tailnet":
      return { reach: "loopback-only", why: "tailnet listens on the Tailscale address, else 127.0.0.1; a pod has no Tailscale address" };
    case "custom": {
      const host = str(customBindHost);
      if (!host) return { reach: "invalid", why: "custom bind without gateway.customBindHost" };
      if (host === "0.0.0.0" || host === "::") return { reach: "pod-ip", why: `custom host ${host} listens on every address` };
      if (isLoopbackHost(host)) return { reach: "loopback-only", why: `custom host ${host} is a loopback address` };
      return { reach: "uncertain", why: `custom host ${host} is a fixed address; a pod IP changes with every pod` };
    }
    default:
      return { reach: "invalid", why: `"${mode}" is not a bind mode (${BIND_MODES.join(", ")}); the gateway exits 1` };
  }
}

function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

/** The port the gateway listens on. */
export function effectivePort(argv: GatewayArgv, env: EnvMap, config: GatewayConfigFile | undefined): ResolvedSetting<number | undefined> {
  const f = flag(argv.flags, "--port");
  if (f !== undefined && isUnknownWord(f)) return { value: undefined, source: "--port (a shell or $(VAR) expansion whose value the manifest does not fix)" };
  if (f !== undefined) return { value: parsePortValue(f), source: "--port" };
  if (env.OPENCLAW_GATEWAY_PORT) {
    const v = literal(env, "OPENCLAW_GATEWAY_PORT");
    if (v === undefined) return { value: undefined, source: "OPENCLAW_GATEWAY_PORT (from a reference whose value is not in the manifest)" };
    const p = parsePortValue(v);
    if (p !== undefined) return { value: p, source: "OPENCLAW_GATEWAY_PORT" };
  }
  const c = config?.gateway?.port;
  if (typeof c === "number" && Number.isFinite(c) && c > 0) return { value: c, source: "gateway.port in the config file" };
  const profile = literal(env, "OPENCLAW_PROFILE")?.trim();
  if (profile && profile.toLowerCase() !== "default") {
    return { value: profilePort(profile), source: `the port derived from OPENCLAW_PROFILE=${profile}` };
  }
  return { value: IMAGE.defaultPort, source: "the default" };
}

function parsePortValue(v: string): number | undefined {
  if (!/^[0-9]+$/.test(v.trim())) return undefined;
  const n = Number(v.trim());
  return n > 0 && n <= 65535 ? n : undefined;
}

/** openclaw's per-profile port: 20000 + FNV-1a(profile) mod 40000 (dist/paths-*.mjs). */
export function profilePort(profile: string): number {
  let hash = 2166136261;
  for (const byte of Buffer.from(profile, "utf8")) hash = Math.imul(hash ^ byte, 16777619) >>> 0;
  return 20000 + (hash % 40000);
}

export interface AuthSetting {
  mode: string;
  source: string;
  /** A token or password is provided for the mode (flag, file, config, or env var, literal or reference). */
  hasSecret: boolean;
  secretSource?: string;
}

/** The auth mode and whether its shared secret is provided. */
export function effectiveAuth(argv: GatewayArgv, env: EnvMap, config: GatewayConfigFile | undefined): AuthSetting {
  const auth = config?.gateway?.auth;
  const token =
    (str(flag(argv.flags, "--token")) && "--token") ||
    (str(flag(argv.flags, "--token-file")) && "--token-file") ||
    (auth?.token !== undefined && auth.token !== "" && "gateway.auth.token") ||
    (env.OPENCLAW_GATEWAY_TOKEN && envSet(env.OPENCLAW_GATEWAY_TOKEN) && "OPENCLAW_GATEWAY_TOKEN") ||
    undefined;
  const password =
    (str(flag(argv.flags, "--password")) && "--password") ||
    (str(flag(argv.flags, "--password-file")) && "--password-file") ||
    (auth?.password !== undefined && auth.password !== "" && "gateway.auth.password") ||
    (env.OPENCLAW_GATEWAY_PASSWORD && envSet(env.OPENCLAW_GATEWAY_PASSWORD) && "OPENCLAW_GATEWAY_PASSWORD") ||
    undefined;
  let mode: string;
  let source: string;
  const fromFlag = str(flag(argv.flags, "--auth"));
  const fromConfig = str(auth?.mode);
  if (fromFlag) [mode, source] = [fromFlag, "--auth"];
  else if (fromConfig) [mode, source] = [fromConfig, "gateway.auth.mode in the config file"];
  else if (password) [mode, source] = ["password", `the default (a password is set via ${password})`];
  else [mode, source] = ["token", "the default"];
  const secretSource = mode === "token" ? token : mode === "password" ? password : undefined;
  return { mode, source, hasSecret: secretSource !== undefined, secretSource };
}

function envSet(v: EnvValue): boolean {
  return "ref" in v || v.value.trim() !== "";
}

/** Verdict of auth-required-off-loopback for one gateway container. */
export function checkAuthOffLoopback(bind: string, customBindHost: unknown, auth: AuthSetting): string | undefined {
  const reach = bindReachability(bind, customBindHost).reach;
  if (reach === "loopback-only") return undefined;
  if (auth.mode === "trusted-proxy") return undefined;
  if (!(AUTH_MODES as readonly string[]).includes(auth.mode)) {
    return `auth mode "${auth.mode}" (from ${auth.source}) is not one of ${AUTH_MODES.join(", ")}`;
  }
  if (auth.mode === "none") {
    return `bind ${bind} is off loopback but auth mode is "none" (from ${auth.source}); the gateway refuses to start (exit 78). Use gateway.auth.mode "token" with OPENCLAW_GATEWAY_TOKEN from a Secret`;
  }
  if (!auth.hasSecret) {
    const what = auth.mode === "password"
      ? "no password (--password, --password-file, gateway.auth.password or OPENCLAW_GATEWAY_PASSWORD)"
      : "no token (--token, --token-file, gateway.auth.token or OPENCLAW_GATEWAY_TOKEN)";
    return `bind ${bind} is off loopback with auth mode "${auth.mode}" but ${what} is provided; the gateway exits 78 ("Refusing to bind gateway to ${bind} without auth"). Set OPENCLAW_GATEWAY_TOKEN from a Secret (secretKeyRef)`;
  }
  return undefined;
}

/**
 * Parses the gateway config file text. It is JSON5 upstream (comments, trailing commas,
 * unquoted keys, single quotes, hex numbers, Infinity), so it is read with the json5
 * library rather than a hand-made translation to JSON. Returns an error instead of throwing.
 */
export function parseGatewayConfig(text: string): { ok: true; config: GatewayConfigFile } | { ok: false; error: string } {
  let v: unknown;
  try {
    v = JSON5.parse(text);
  } catch (e) {
    return { ok: false, error: `not valid JSON5: ${(e as Error).message.replace(/^JSON5: /, "")}` };
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) return { ok: false, error: "not a JSON5 object" };
  return { ok: true, config: v as GatewayConfigFile };
}

/** Whether an image reference names the OpenClaw image (any registry, tag or digest). */
export function imageRepository(image: string): string {
  let name = image;
  const at = name.indexOf("@");
  if (at >= 0) name = name.slice(0, at);
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  if (colon > slash) name = name.slice(0, colon);
  return name;
}

