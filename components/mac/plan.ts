// The install plan: everything MacGatewayNode ships to the Mac, rendered as plain data: the
// manifest the install script reads, the self-extracting bundle (the scripts of remote/, the
// plist, the pre-gate's arguments) and the remote commands. Pure apart from reading the
// scripts; the plist and the gateway config are launchd.ts's, the release release.ts's, and
// Pulumi and SSH live in node.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import type { MacConfig } from "./config";
import { jobEnvironment, PREGATE_PLACEHOLDERS, programArguments, renderGatewayConfig, renderPlist, type RunTarget, type VersionFields } from "./launchd";
import { macLayout, type MacLayout } from "./layout";
import { imageDigest, MacReleaseError, sha256, type ReleaseRecord } from "./release";

/** Single-quotes a string for POSIX sh (and zsh, the Mac's login shell). */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const SCRIPTS_DIR = path.resolve(__dirname, "remote");

/** The file that marks an install root as created and owned by this install. */
const OWNER_MARKER = ".openclaw-gateway-install";
/** What the install creates under its root: all that `pulumi destroy` removes (with the marker, then the root if empty). */
const OWNED_ENTRIES = ["releases", "generations", "current", "env", "state", "bin", "bundles", "packs", "pregate", ".install.lock"] as const;

export interface MacInstallPlan {
  layout: MacLayout;
  plist: string;
  /** sha256 of the plist without its version fields: a change means bootout + bootstrap. */
  plistServiceSha256: string;
  /**
   * The gateway's openclaw.json. It may hold secrets (mac.gateway.settings), so it never
   * goes into the bundle (an asset, stored unencrypted in state): it travels on the
   * install command's stdin, a Pulumi secret.
   */
  gatewayConfig: string;
  configSha256: string;
  /** `<release>-<lockfile or digest sha, 12>`: the versioned release directory. */
  releaseId: string;
  /** sha256 naming the release content: the lockfile (native) or the image digest (container). */
  releaseSha256: string;
  genId: string;
  /** What the change ticket records: release and its integrity or digest. */
  versions: VersionFields;
  files: Record<string, string>;
  bundle: string;
  bundleSha256: string;
  bundleRemotePath: string;
  /** Native mode: where CopyToRemote puts the release's pack (components/mac/pack.ts). */
  packRemotePath: string;
  prepareCommand: string;
  installCommand: string;
  uninstallCommand: string;
}

function script(name: string): string {
  return fs.readFileSync(path.join(SCRIPTS_DIR, name), "utf8");
}

const withNewline = (s: string) => (s.endsWith("\n") ? s : s + "\n");

/** What the install command reads on stdin: the token line, then openclaw.json as one base64 line. */
export function installStdin(token: string, gatewayConfig: string): string {
  return `${token}\n${Buffer.from(gatewayConfig).toString("base64")}\n`;
}

function ownerMarker(): string {
  return ["# created by the OpenClaw gateway install; pulumi destroy removes these entries, then this directory if empty", ...OWNED_ENTRIES].join("\n") + "\n";
}

/**
 * Refuses to touch an install root it did not create: the root must be missing, empty,
 * or hold this install's marker. Shared by the prepare command and install.sh.
 */
function ownershipCheck(root: string): string {
  const r = shq(root);
  const m = shq(`${root}/${OWNER_MARKER}`);
  return (
    `if [ -e ${r} ] && [ ! -f ${m} ] && [ -n "$(ls -A ${r} 2>/dev/null)" ]; then ` +
    `echo "openclaw-mac: refusing to install into ${root}: it exists, is not empty and was not created by this install (no ${OWNER_MARKER}); choose another mac.installDir" >&2; exit 1; fi; ` +
    `if [ ! -f ${m} ]; then mkdir -p ${r} && printf '%s\\n' ${ownerMarker().trim().split("\n").map((l) => shq(l)).join(" ")} >${m}.new && mv -f ${m}.new ${m}; fi`
  );
}

export function planMacInstall(mac: MacConfig, release?: ReleaseRecord, pack?: { sha256: string }): MacInstallPlan {
  const layout = macLayout(mac);
  let versions: VersionFields;
  let releaseSha256: string;
  if (mac.mode === "container") {
    const digest = imageDigest(mac.container!.image);
    versions = { release: mac.release, imageDigest: digest };
    releaseSha256 = digest.replace(/^sha256:/, "");
  } else {
    if (!release) throw new MacReleaseError("native mode needs the release lockfile record");
    if (!pack) throw new MacReleaseError("native mode needs the release pack (components/mac/pack.ts)");
    versions = { release: mac.release, integrity: release.integrity };
    releaseSha256 = release.lockSha256;
  }
  const releaseId = `${mac.release}-${releaseSha256.slice(0, 12)}`;
  const plist = renderPlist(mac, layout, versions);
  const plistServiceSha256 = sha256(renderPlist(mac, layout));
  const gatewayConfig = renderGatewayConfig(mac, layout);
  const configSha256 = sha256(JSON.stringify({ gatewayConfig, healthTimeoutSeconds: mac.gateway.healthTimeoutSeconds, auth: mac.gateway.auth }));
  const genId = `${mac.release}-${sha256(`${releaseId}\n${plistServiceSha256}\n${configSha256}`).slice(0, 12)}`;
  const packRemotePath = mac.mode === "native" ? `${layout.packsDir}/${releaseId}.tar` : "";

  // The pre-launchd gate runs the generation itself on a spare loopback port with a
  // throwaway state dir, with the arguments and environment the job will have.
  const P = PREGATE_PLACEHOLDERS;
  const pregate: RunTarget = { current: P.gen, stateDir: P.state, port: P.port, bind: "loopback", nameSuffix: "-pregate" };
  const pregateArgs = programArguments(mac, layout, pregate);
  const pregateEnv = jobEnvironment(mac, layout, pregate);

  const manifestValues: Record<string, string> = {
    ROOT: layout.root,
    OWNER_MARKER,
    LABEL: mac.label,
    DOMAIN_KIND: mac.domain,
    PORT: String(mac.gateway.port),
    BIND: mac.gateway.bind,
    AUTH: mac.gateway.auth,
    MODE: mac.mode,
    RELEASE: mac.release,
    RELEASE_ID: releaseId,
    GEN_ID: genId,
    LOCK_SHA256: mac.mode === "native" ? release!.lockSha256 : "",
    PACK_FILE: packRemotePath,
    PACK_SHA256: pack?.sha256 ?? "",
    CONFIG_SHA256: sha256(gatewayConfig),
    INTEGRITY: versions.integrity ?? "",
    NODE: mac.native.node,
    NPM: mac.native.npm ?? `${path.posix.dirname(mac.native.node)}/npm`,
    CONTAINER_CLI: mac.container?.cli ?? "",
    IMAGE_REF: mac.container?.image ?? "",
    IMAGE_DIGEST: versions.imageDigest ?? "",
    HEALTH_TIMEOUT: String(mac.gateway.healthTimeoutSeconds),
    PLIST_PATH: layout.plistPath,
    PLIST_SERVICE_SHA256: plistServiceSha256,
    LOG_FILE: layout.logFile,
  };
  for (const [k, v] of Object.entries(manifestValues)) {
    if (/['\n]/.test(v)) throw new MacReleaseError(`mac config value for ${k} contains a quote or newline`);
  }
  for (const a of [...pregateArgs, ...Object.values(pregateEnv)]) {
    if (/\n/.test(a)) throw new MacReleaseError("a gateway argument contains a newline");
  }
  const manifest =
    "# Generated by MacGatewayNode; read by install.sh and uninstall.sh. No secrets.\n" +
    Object.entries(manifestValues).map(([k, v]) => `${k}=${shq(v)}`).join("\n") + "\n";

  const files: Record<string, string> = {
    "install.sh": script("install.sh"),
    "uninstall.sh": script("uninstall.sh"),
    "env-wrapper.sh": script("env-wrapper.sh"),
    "manifest.env": manifest,
    "service.plist": plist,
    "pregate.args": pregateArgs.join("\n"),
    "pregate.env": Object.entries(pregateEnv).map(([k, v]) => `${k}=${v}`).join("\n"),
    "owner-marker": ownerMarker(),
  };
  for (const k of Object.keys(files)) files[k] = withNewline(files[k]);
  files["SHA256SUMS"] = Object.keys(files).sort().map((k) => `${sha256(files[k])}  ${k}`).join("\n") + "\n";

  const contentSha = sha256(files["SHA256SUMS"]);
  const bundleName = contentSha.slice(0, 16);
  const bundleDir = `${layout.bundlesDir}/${bundleName}`;
  const eof = `__OPENCLAW_BUNDLE_${bundleName}__`;
  const parts = Object.keys(files).map((k) => `cat >"$dir.tmp/${k}" <<'${eof}'\n${files[k]}${eof}`);
  const bundle =
    `#!/bin/sh\n` +
    `# OpenClaw gateway bundle ${bundleName}: ${mac.label}, release ${mac.release} (${releaseId}).\n` +
    `# Generated by MacGatewayNode; unpacks itself, verifies SHA256SUMS, then runs install.sh.\n` +
    `set -eu\numask 077\ndir=${shq(bundleDir)}\n` +
    `if ! { [ -f "$dir/SHA256SUMS" ] && (cd "$dir" && shasum -a 256 -c SHA256SUMS >/dev/null 2>&1); }; then\n` +
    `rm -rf "$dir" "$dir.tmp"\nmkdir -p "$dir.tmp"\n` +
    parts.join("\n") + "\n" +
    `(cd "$dir.tmp" && shasum -a 256 -c SHA256SUMS >/dev/null) || { echo "openclaw-mac: bundle files do not match SHA256SUMS" >&2; exit 1; }\n` +
    `mv "$dir.tmp" "$dir"\nfi\n` +
    `exec /bin/sh "$dir/install.sh" "$dir"\n`;
  const bundleSha256 = sha256(bundle);
  const bundleRemotePath = `${bundleDir}.sh`;

  const notRoot = `[ "$(id -u)" -ne 0 ] || { echo "openclaw-mac: refusing to run as root; use the unprivileged gateway user" >&2; exit 1; }`;
  return {
    layout,
    plist,
    plistServiceSha256,
    gatewayConfig,
    configSha256,
    releaseId,
    releaseSha256,
    genId,
    versions,
    files,
    bundle,
    bundleSha256,
    bundleRemotePath,
    packRemotePath,
    prepareCommand: `${notRoot}; umask 077; ${ownershipCheck(layout.root)}; mkdir -p ${shq(layout.bundlesDir)} ${shq(layout.packsDir)}`,
    // The bundle's checksum is checked before it runs: a partial or altered upload never executes.
    installCommand:
      `/bin/sh -c 'set -eu; got=$(shasum -a 256 "$1" | cut -d " " -f 1); ` +
      `[ "$got" = "$2" ] || { echo "openclaw-mac: bundle $1 has sha256 $got, expected $2; run pulumi up again to upload it" >&2; exit 1; }; ` +
      `exec /bin/sh "$1"' openclaw-install ${shq(bundleRemotePath)} ${bundleSha256}`,
    uninstallCommand:
      `if [ -f ${shq(`${layout.root}/bin/uninstall.sh`)} ]; then /bin/sh ${shq(`${layout.root}/bin/uninstall.sh`)}; ` +
      `else echo "openclaw-mac: nothing installed under ${layout.root}"; fi`,
  };
}
