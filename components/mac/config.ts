// Stack config of the Mac contrast node (runbook §3 matrix, step 7). The root schema
// (components/config/) includes `macConfigSchema` as the optional `mac` key and runs
// `macReleaseIssues`, the cross-key check against the cluster image, in its superRefine.
import { z } from "zod";
import { checkMacRunsClusterRelease, RELEASE_PATTERN } from "../../policy-pack/rules/release";
import { IMAGE } from "../../policy-pack/rules/names";

/** An OpenSSH public host key line: `<type> <base64>` (as in `ssh-keyscan` or /etc/ssh/ssh_host_*_key.pub). */
const HOST_KEY_PATTERN = /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,3}$/;
const LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]*(\.[A-Za-z0-9-]+)+$/;
const POSIX_USER = /^[a-z_][a-z0-9_.-]{0,31}$/;
/** The token reaches the Mac through stdin into a 0600 env file; keep it to characters that need no quoting. */
const TOKEN_PATTERN = /^[A-Za-z0-9._~+/=-]{16,512}$/;
/**
 * Directories macOS or the user own: an install root there would be removed by
 * `pulumi destroy` together with everything else in it. Compared case-insensitively
 * (APFS is case-insensitive by default). Subdirectories of them are fine.
 */
const RESERVED_MAC_DIRS = [
  "Applications", "Desktop", "Documents", "Downloads", "Library", "Movies", "Music", "Pictures", "Public", "Sites",
  ".Trash", ".ssh", ".config", ".local", ".npm",
  "Library/Application Support", "Library/Caches", "Library/Containers", "Library/Group Containers", "Library/Keychains",
  "Library/LaunchAgents", "Library/Logs", "Library/Mobile Documents", "Library/Preferences", "Library/CloudStorage",
] as const;

/** Every problem with an install dir (relative to the home directory), each naming what would be right. */
function installDirProblems(dir: string): string[] {
  const example = 'e.g. "Library/Application Support/openclaw-gateway" (the default)';
  if (!/^[A-Za-z0-9._ -]+(\/[A-Za-z0-9._ -]+)*$/.test(dir)) {
    return [`mac.installDir must be a relative path below the home directory, of letters, digits, spaces, '.', '_' and '-' separated by single '/', ${example}`];
  }
  const segments = dir.split("/");
  if (segments.some((s) => s === "." || s === "..")) return [`mac.installDir must not contain "." or ".." segments (it must stay below the home directory), ${example}`];
  if (segments.some((s) => s.trim() !== s)) return [`mac.installDir segments must not start or end with a space, ${example}`];
  const reserved = RESERVED_MAC_DIRS.find((r) => r.toLowerCase() === dir.toLowerCase());
  if (reserved) {
    return [`mac.installDir "${dir}" is the macOS directory ~/${reserved}; pulumi destroy removes the install dir, so it must be a directory of its own, ${example}`];
  }
  return [];
}

const absolutePath = (what: string) =>
  z.string().regex(/^\/[^\0\n'"`$\\]*$/, `${what} must be an absolute path without quotes, $, backslashes or newlines`);

const sshSchema = z
  .object({
    host: z.string().min(1, "mac.ssh.host is empty; set the Mac's DNS name or address"),
    port: z.number().int().min(1).max(65535).default(22),
    // @pulumi/command's default user is root (components/mac/README.md, "Facts"); the Mac is run by an unprivileged user.
    user: z
      .string()
      .regex(POSIX_USER, "mac.ssh.user must be a POSIX login name such as \"openclaw\"")
      .refine((u) => u !== "root", 'mac.ssh.user must not be "root"; use the unprivileged account that owns the gateway, e.g. "openclaw"'),
    /** The SSH private key (OpenSSH PEM). Set with `pulumi config set --secret --path mac.ssh.privateKey < key`. */
    privateKey: z.string().min(1, "mac.ssh.privateKey is empty; set it with `pulumi config set --secret --path mac.ssh.privateKey`"),
    /** Pinned host key: an unknown or changed key refuses before any command runs. */
    hostKey: z
      .string()
      .trim()
      .regex(HOST_KEY_PATTERN, 'mac.ssh.hostKey must be one public host key line, e.g. "ssh-ed25519 AAAAC3Nza…" (from /etc/ssh/ssh_host_ed25519_key.pub on the Mac)'),
    /** Dial limits: fail fast and clearly when the Mac is down instead of retrying for minutes. */
    dialErrorLimit: z.number().int().min(1).max(20).default(3),
    perDialTimeout: z.number().int().min(1).max(120).default(10),
  })
  .strict();

export const macConfigSchema = z
  .object({
    ssh: sshSchema,
    /** The OpenClaw release; must equal the cluster's `image.release`. */
    release: z.string().regex(RELEASE_PATTERN, 'mac.release must be an OpenClaw release version such as "2026.9.6"'),
    mode: z.enum(["native", "container"]).default("native"),
    /** launchd label; `ai.openclaw.<profile>` for more than one gateway per Mac. */
    label: z.string().regex(LABEL_PATTERN, 'mac.label must be a reverse-DNS launchd label such as "ai.openclaw.gateway"').default("ai.openclaw.gateway"),
    /**
     * launchd domain. `user` works over SSH without a GUI login; `gui` needs a logged-in
     * console session (bootstrap gui/<uid> over SSH fails with 125, components/mac/README.md, "Facts").
     */
    domain: z.enum(["user", "gui"]).default("user"),
    /** Home directory of mac.ssh.user; default /Users/<user>. */
    home: absolutePath("mac.home").optional(),
    /** Install root relative to the home directory. */
    installDir: z
      .string()
      .superRefine((dir, ctx) => {
        for (const message of installDirProblems(dir)) ctx.addIssue({ code: "custom", message });
      })
      .default("Library/Application Support/openclaw-gateway"),
    gateway: z
      .object({
        port: z.number().int().min(1024).max(65535).default(IMAGE.defaultPort),
        // Runbook matrix: on the Mac the gateway usually sits on 127.0.0.1 behind nginx/Caddy terminating TLS.
        bind: z.enum(["loopback", "lan"]).default("loopback"),
        auth: z.enum(["token", "none"]).default("token"),
        /** Token of the Mac's gateway (secret). Omit to reuse the cluster's gateway token. */
        token: z.string().regex(TOKEN_PATTERN, "mac.gateway.token must be 16–512 characters of A–Z a–z 0–9 . _ ~ + / = -").optional(),
        /** V8 old-space cap in MiB (the gateway's main process is ~0.75–0.8 GB resident, components/mac/README.md, "Facts"). */
        heapMiB: z.number().int().min(256).max(65536).default(2048),
        /** How long the health gate waits for /readyz after a restart (cold start is 5–11 s on 2 cores). */
        healthTimeoutSeconds: z.number().int().min(5).max(900).default(120),
        /**
         * More gateway config merged into openclaw.json (agents, channels, …). Port, bind,
         * auth and mode come from the keys above and cannot be set here.
         */
        settings: z
          .record(z.string(), z.unknown())
          .refine((s) => !("gateway" in s), "mac.gateway.settings must not contain \"gateway\"; set mac.gateway.port, bind and auth instead")
          .default({}),
      })
      .strict()
      .prefault({}),
    native: z
      .object({
        /** Node >= 24.16 on the Mac (Homebrew `node@24` by default). launchd inherits no PATH. */
        node: absolutePath("mac.native.node").default("/opt/homebrew/opt/node@24/bin/node"),
        /** npm beside that node unless set. */
        npm: absolutePath("mac.native.npm").optional(),
        /** Directory holding package.json + package-lock.json of the release; default components/mac/releases/<release>. */
        lockfileDir: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    container: z
      .object({
        /** A Docker-compatible CLI (docker, podman, nerdctl…) by absolute path. */
        cli: absolutePath("mac.container.cli").default("/usr/local/bin/docker"),
        /** Must be the cluster's image.ref, pinned by digest. */
        image: z.string(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((mac, ctx) => {
    if (mac.gateway.bind === "lan" && mac.gateway.auth !== "token") {
      ctx.addIssue({
        code: "custom",
        path: ["gateway", "auth"],
        message: 'mac.gateway.auth is "none" with mac.gateway.bind "lan"; off loopback auth is required: set mac.gateway.auth to "token"',
      });
    }
    if (mac.mode === "container" && mac.gateway.auth !== "token") {
      ctx.addIssue({
        code: "custom",
        path: ["gateway", "auth"],
        message: 'mac.gateway.auth is "none" in container mode; inside the container the gateway binds lan, which needs auth: set mac.gateway.auth to "token"',
      });
    }
    if (mac.mode === "container" && mac.container === undefined) {
      ctx.addIssue({ code: "custom", path: ["container"], message: 'mac.mode is "container" but mac.container is not set; set mac.container.image to the cluster\'s image.ref' });
    }
    if (mac.mode === "native" && mac.container !== undefined) {
      ctx.addIssue({ code: "custom", path: ["mode"], message: 'mac.container is set but mac.mode is "native"; set mac.mode to "container" or remove mac.container' });
    }
  });

export type MacConfigInput = z.input<typeof macConfigSchema>;
export type MacConfig = z.output<typeof macConfigSchema>;

/** The part of the root config the Mac is checked against. */
export interface ClusterImage {
  ref: string;
  release: string;
}

/** Cross-key problems (Mac release vs cluster image), as zod-style issues under the `mac` key. */
export function macReleaseIssues(mac: MacConfig, image: ClusterImage): { path: (string | number)[]; message: string }[] {
  return checkMacRunsClusterRelease({
    clusterImageRef: image.ref,
    clusterRelease: image.release,
    macMode: mac.mode,
    macRelease: mac.release,
    macImageRef: mac.container?.image,
  }).map((message) => ({
    path: message.startsWith("mac.container") ? ["mac", "container", "image"] : ["mac", "release"],
    message,
  }));
}

/** The component's own guard (MacGatewayNode) refuses a Mac on another release with this error. */
export class MacConfigError extends Error {}
