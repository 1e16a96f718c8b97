// The launchd job and what it runs: the plist (ProgramArguments, EnvironmentVariables, logs,
// KeepAlive), the gateway's own config, and the same arguments and environment for the
// pre-launchd health gate. Pure.
import * as path from "node:path";
import type { MacConfig } from "./config";
import type { MacLayout } from "./layout";

/** The gateway's own config (no secret: the token reaches it through the env file). */
export function renderGatewayConfig(mac: MacConfig, layout: MacLayout): string {
  const container = mac.mode === "container";
  const config = {
    ...mac.gateway.settings,
    gateway: {
      mode: "local",
      port: mac.gateway.port,
      // In a container the gateway must listen on the container's interface for the
      // published port to reach it; the host side is bound below (publish address).
      bind: container ? "lan" : mac.gateway.bind,
      auth: { mode: mac.gateway.auth },
    },
    ...(container ? {} : { logging: { ...(mac.gateway.settings.logging as object | undefined), file: `${path.posix.dirname(layout.logFile)}/openclaw.log` } }),
  };
  return JSON.stringify(config, null, 2) + "\n";
}

export interface VersionFields {
  release: string;
  integrity?: string;
  imageDigest?: string;
}

/** Version fields live in EnvironmentVariables (a key launchd documents) under this prefix. */
const VERSION_FIELD_PREFIX = "OPENCLAW_MAC_";

/**
 * Where one run of the gateway lives: launchd's job runs `current` on the configured
 * port; the pre-launchd health gate runs a generation directory on a spare loopback
 * port with its own state dir (placeholders install.sh fills in).
 */
export interface RunTarget {
  current: string;
  stateDir: string;
  /** Host port (and, natively, the gateway's --port). */
  port: string;
  bind: "loopback" | "lan";
  /** Container name suffix, so the pre-gate container never clashes with the job's. */
  nameSuffix: string;
}

export const PREGATE_PLACEHOLDERS = { gen: "@OPENCLAW_GEN@", port: "@OPENCLAW_PORT@", state: "@OPENCLAW_STATE@" } as const;

function jobTarget(mac: MacConfig, layout: MacLayout): RunTarget {
  return { current: layout.current, stateDir: layout.stateDir, port: String(mac.gateway.port), bind: mac.gateway.bind, nameSuffix: "" };
}

export function programArguments(mac: MacConfig, layout: MacLayout, t: RunTarget = jobTarget(mac, layout)): string[] {
  const wrapper = [`/bin/sh`, `${t.current}/env-wrapper.sh`, layout.envFile];
  const gatewayArgs = (port: string, bind: string) => ["gateway", "run", "--port", port, "--bind", bind];
  if (mac.mode === "container") {
    const c = mac.container!;
    const publish = t.bind === "loopback" ? "127.0.0.1" : "0.0.0.0";
    return [
      ...wrapper,
      c.cli, "run", "--rm", "--pull", "never",
      "--name", mac.label.replace(/\./g, "-") + t.nameSuffix,
      "-p", `${publish}:${t.port}:${mac.gateway.port}`,
      "-e", "OPENCLAW_GATEWAY_TOKEN",
      "-e", "OPENCLAW_CONFIG_PATH=/config/openclaw.json",
      "-v", `${t.current}/openclaw.json:/config/openclaw.json:ro`,
      "-v", `${t.stateDir}:/home/node/.openclaw`,
      c.image,
      "node", "dist/index.js", ...gatewayArgs(String(mac.gateway.port), "lan"),
    ];
  }
  return [
    ...wrapper,
    mac.native.node,
    `--max-old-space-size=${mac.gateway.heapMiB}`,
    `${t.current}/app/node_modules/openclaw/openclaw.mjs`,
    // Always explicit: these machines look like containers to OpenClaw, which then binds 0.0.0.0 (components/mac/README.md, "Facts").
    ...gatewayArgs(t.port, t.bind),
  ];
}

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function plistValue(v: unknown, indent: string): string {
  if (typeof v === "string") return `${indent}<string>${xmlEscape(v)}</string>`;
  if (typeof v === "number") return `${indent}<integer>${v}</integer>`;
  if (typeof v === "boolean") return `${indent}<${v}/>`;
  if (Array.isArray(v)) return `${indent}<array>\n${v.map((x) => plistValue(x, indent + "\t")).join("\n")}\n${indent}</array>`;
  const entries = Object.entries(v as Record<string, unknown>);
  return `${indent}<dict>\n${entries.map(([k, x]) => `${indent}\t<key>${xmlEscape(k)}</key>\n${plistValue(x, indent + "\t")}`).join("\n")}\n${indent}</dict>`;
}

/** The environment launchd gives the job (it passes no shell environment). */
export function jobEnvironment(mac: MacConfig, layout: MacLayout, t: RunTarget = jobTarget(mac, layout)): Record<string, string> {
  const binDir = path.posix.dirname(mac.mode === "container" ? mac.container!.cli : mac.native.node);
  return {
    // launchd passes no shell environment and no PATH (openclaw issues #13692, #71776).
    PATH: `${binDir}:/usr/bin:/bin:/usr/sbin:/sbin`,
    HOME: layout.home,
    OPENCLAW_CONFIG_PATH: `${t.current}/openclaw.json`,
    OPENCLAW_STATE_DIR: t.stateDir,
  };
}

/** The launchd job as a plain object (the keys components/mac/README.md, "Facts" lists for OpenClaw's own agent). */
function plistObject(mac: MacConfig, layout: MacLayout, versions?: VersionFields): Record<string, unknown> {
  const env = jobEnvironment(mac, layout);
  if (versions) {
    env[`${VERSION_FIELD_PREFIX}RELEASE`] = versions.release;
    if (versions.integrity) env[`${VERSION_FIELD_PREFIX}RELEASE_INTEGRITY`] = versions.integrity;
    if (versions.imageDigest) env[`${VERSION_FIELD_PREFIX}IMAGE_DIGEST`] = versions.imageDigest;
  }
  return {
    Label: mac.label,
    ProgramArguments: programArguments(mac, layout),
    EnvironmentVariables: env,
    WorkingDirectory: layout.stateDir,
    RunAtLoad: true,
    KeepAlive: true,
    ThrottleInterval: 10,
    ExitTimeOut: 20,
    ProcessType: "Interactive",
    Umask: 63, // 077: the state dir and logs are the user's alone
    StandardInPath: "/dev/null",
    StandardOutPath: layout.logFile,
    StandardErrorPath: layout.logFile,
  };
}

export function renderPlist(mac: MacConfig, layout: MacLayout, versions?: VersionFields): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n` +
    `<plist version="1.0">\n${plistValue(plistObject(mac, layout, versions), "")}\n</plist>\n`
  );
}

