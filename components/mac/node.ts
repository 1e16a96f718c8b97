// MacGatewayNode (`openclaw:mac:Node`): the same OpenClaw release as the cluster, run
// under launchd on a remote physical Mac over SSH (runbook §3 matrix, step 7).
//
//   prepare    remote.Command      refuses root and an install dir it does not own; creates and
//                                  marks <root>, <root>/bundles and <root>/packs
//   uninstall  remote.Command      create is a no-op; its delete (pulumi destroy) unloads and
//                                  removes what the owner marker lists, keeping ~/Library/Logs
//   pack       remote.CopyToRemote native mode: the release as one tar the controller packed with
//                                  the user's npm (pack.ts); the Mac never contacts a registry
//   bundle     remote.CopyToRemote one self-extracting, checksummed file (scripts, plist, manifest)
//   install    remote.Command      runs it; the token and openclaw.json arrive on stdin (secret);
//                                  triggers = release, plist and config hashes, so an unchanged
//                                  `pulumi up` runs nothing
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { MacConfigError, macReleaseIssues, type ClusterImage, type MacConfig } from "./config";
import { packRelease, type PackedRelease } from "./pack";
import { installStdin, planMacInstall, type MacInstallPlan } from "./plan";
import { loadReleaseRecord, type ReleaseRecord } from "./release";
import { MacContrastSignoff, type SignoffInputs } from "./signoff";

export interface MacGatewayNodeArgs {
  /** The parsed `mac` key of the stack config. */
  mac: MacConfig;
  /** The cluster's image (`image.ref`, `image.release`): the Mac must run the same release. */
  clusterImage: ClusterImage;
  /** Gateway token of the Mac (mac.gateway.token, else the cluster's). Always held as a secret. */
  token: pulumi.Input<string>;
  /** The release's lockfile record; read from components/mac/releases/<release> when omitted. */
  release?: ReleaseRecord;
  /** Native mode: the packed release; packed on this machine with the user's npm when omitted (pack.ts). */
  pack?: PackedRelease;
  /**
   * The cluster's side of the contrast table (runbook step 7): its port-forward evidence
   * from the smoke check, image digest, bind and values hash. Omitted: the Mac's checks
   * still run and must pass, without a table.
   */
  contrastWith?: pulumi.Input<SignoffInputs["kubernetes"]>;
  /** Run the smoke checks through an SSH tunnel after the install (default true). */
  signoff?: boolean;
}

/** The parsed `OPENCLAW_MAC_RESULT` line the install script prints last. */
export function parseInstallResult(stdout: string | undefined): Record<string, string> {
  const line = (stdout ?? "").split("\n").reverse().find((l) => l.startsWith("OPENCLAW_MAC_RESULT "));
  if (!line) return {};
  return Object.fromEntries(
    line
      .slice("OPENCLAW_MAC_RESULT ".length)
      .split(" ")
      .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  );
}

export class MacGatewayNode extends pulumi.ComponentResource {
  declare public readonly release: pulumi.Output<string>;
  /** `sha512-…` of the openclaw tarball (native) or the image digest (container). */
  declare public readonly releaseIntegrity: pulumi.Output<string>;
  declare public readonly mode: pulumi.Output<string>;
  /** Container mode: the image reference run on the Mac (the cluster's image.ref); "" in native mode. */
  declare public readonly image: pulumi.Output<string>;
  declare public readonly label: pulumi.Output<string>;
  declare public readonly bind: pulumi.Output<string>;
  declare public readonly port: pulumi.Output<number>;
  declare public readonly generation: pulumi.Output<string>;
  declare public readonly plistHash: pulumi.Output<string>;
  declare public readonly configHash: pulumi.Output<string>;
  declare public readonly lockfileHash: pulumi.Output<string>;
  /** What the install did: bootstrap | reload | kickstart | none, with the serving pid. */
  declare public readonly installResult: pulumi.Output<Record<string, string>>;
  /** How to reach the Mac's gateway for smoke checks (runbook matrix: "local curl or SSH tunnels"). */
  declare public readonly sshTunnel: pulumi.Output<string>;
  /** The Mac's smoke evidence and the contrast table (runbook step 7); undefined when signoff is false. */
  declare public readonly contrast: pulumi.Output<unknown> | undefined;
  declare public readonly signedOff: pulumi.Output<boolean> | undefined;
  /** The plan as plain data, for tests and the contrast sign-off. Not registered as an output. */
  public readonly plan: MacInstallPlan;

  constructor(name: string, args: MacGatewayNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openclaw:mac:Node", name, {}, opts);
    const { mac } = args;
    const problems = macReleaseIssues(mac, args.clusterImage);
    if (problems.length > 0) {
      throw new MacConfigError(`MacGatewayNode ${name}: ${problems.map((p) => `${p.path.join(".")}: ${p.message}`).join("; ")}`);
    }
    const release = mac.mode === "native" ? (args.release ?? loadReleaseRecord(mac.release, mac.native.lockfileDir)) : undefined;
    const releaseId = release ? `${mac.release}-${release.lockSha256.slice(0, 12)}` : "";
    const pack = release ? (args.pack ?? packRelease(release, releaseId, { log: (m) => pulumi.log.info(m, this) })) : undefined;
    const plan = planMacInstall(mac, release, pack);
    this.plan = plan;

    const connection: command.types.input.remote.ConnectionArgs = {
      host: mac.ssh.host,
      port: mac.ssh.port,
      user: mac.ssh.user,
      privateKey: pulumi.secret(mac.ssh.privateKey),
      // Without hostKey the provider accepts any key (components/mac/README.md, "Facts"); pinned, a changed key refuses before any command.
      hostKey: mac.ssh.hostKey,
      dialErrorLimit: mac.ssh.dialErrorLimit,
      perDialTimeout: mac.ssh.perDialTimeout,
    };
    const child = { parent: this };

    const prepare = new command.remote.Command(
      `${name}-prepare`,
      { connection, create: plan.prepareCommand, addPreviousOutputInEnv: false },
      child,
    );
    const uninstall = new command.remote.Command(
      `${name}-uninstall`,
      {
        connection,
        create: `echo "openclaw-mac: pulumi destroy will unload ${mac.label} and remove ${plan.layout.root}, keeping ~/Library/Logs"`,
        delete: plan.uninstallCommand,
        addPreviousOutputInEnv: false,
      },
      { ...child, dependsOn: [prepare] },
    );
    // Copied verbatim over SFTP; the install checks its sha256 before unpacking it.
    const packCopy = pack
      ? new command.remote.CopyToRemote(
          `${name}-pack`,
          { connection, source: new pulumi.asset.FileAsset(pack.file), remotePath: plan.packRemotePath, triggers: [pack.sha256] },
          { ...child, dependsOn: [prepare] },
        )
      : undefined;
    const bundle = new command.remote.CopyToRemote(
      `${name}-bundle`,
      { connection, source: new pulumi.asset.StringAsset(plan.bundle), remotePath: plan.bundleRemotePath, triggers: [plan.bundleSha256] },
      { ...child, dependsOn: [prepare] },
    );
    const install = new command.remote.Command(
      `${name}-install`,
      {
        connection,
        create: plan.installCommand,
        // The token and openclaw.json (mac.gateway.settings may hold secrets) travel on stdin into
        // 0600 files: never in argv, the plist or a file the program uploads (assets are not encrypted).
        stdin: pulumi.secret(pulumi.output(args.token).apply((t) => installStdin(mac.gateway.auth === "token" ? t : "", plan.gatewayConfig))),
        triggers: [plan.releaseSha256, plan.plistServiceSha256, plan.configSha256],
        addPreviousOutputInEnv: false,
      },
      { ...child, dependsOn: [bundle, uninstall, ...(packCopy ? [packCopy] : [])], additionalSecretOutputs: ["stdin"] },
    );

    const signoff =
      args.signoff === false
        ? undefined
        : new MacContrastSignoff(
            `${name}-signoff`,
            {
              host: mac.ssh.host,
              port: mac.ssh.port,
              user: mac.ssh.user,
              privateKey: mac.ssh.privateKey,
              hostKey: mac.ssh.hostKey,
              dialErrorLimit: mac.ssh.dialErrorLimit,
              perDialTimeout: mac.ssh.perDialTimeout,
              remotePort: mac.gateway.port,
              token: args.token,
              budgetMs: mac.gateway.healthTimeoutSeconds * 1000,
              mac: {
                release: mac.release,
                artifact: plan.versions.integrity ?? plan.versions.imageDigest ?? "",
                bind: mac.gateway.bind,
                configHash: plan.configSha256,
                generation: plan.genId,
              },
              ...(args.contrastWith !== undefined ? { kubernetes: args.contrastWith } : {}),
            },
            { ...child, dependsOn: [install] },
          );
    this.contrast = signoff?.contrast;
    this.signedOff = signoff?.signedOff;

    this.release = pulumi.output(mac.release);
    this.releaseIntegrity = pulumi.output(plan.versions.integrity ?? plan.versions.imageDigest ?? "");
    this.mode = pulumi.output(mac.mode);
    this.image = pulumi.output(mac.container?.image ?? "");
    this.label = pulumi.output(mac.label);
    this.bind = pulumi.output(mac.gateway.bind);
    this.port = pulumi.output(mac.gateway.port);
    this.generation = pulumi.output(plan.genId);
    this.plistHash = pulumi.output(plan.plistServiceSha256);
    this.configHash = pulumi.output(plan.configSha256);
    this.lockfileHash = pulumi.output(release?.lockSha256 ?? "");
    this.installResult = install.stdout.apply(parseInstallResult);
    this.sshTunnel = pulumi.output(
      `ssh -N -L ${mac.gateway.port}:127.0.0.1:${mac.gateway.port} -p ${mac.ssh.port} ${mac.ssh.user}@${mac.ssh.host}`,
    );
    this.registerOutputs({
      release: this.release,
      releaseIntegrity: this.releaseIntegrity,
      mode: this.mode,
      image: this.image,
      label: this.label,
      bind: this.bind,
      port: this.port,
      generation: this.generation,
      plistHash: this.plistHash,
      configHash: this.configHash,
      lockfileHash: this.lockfileHash,
      installResult: this.installResult,
      sshTunnel: this.sshTunnel,
      ...(signoff ? { contrast: signoff.contrast, signedOff: signoff.signedOff } : {}),
    });
  }
}
