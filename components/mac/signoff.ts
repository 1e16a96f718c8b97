// Contrast sign-off during `pulumi up` (runbook step 7): after the Mac install, the smoke
// checks (components/smoke/checks.ts) run against the Mac's gateway through an SSH tunnel
// with the pinned host key, and the result is set beside the cluster's port-forward
// evidence in a contrast table for the change ticket.
//
// Closure serialization (components/mac/README.md, "Facts"): the provider captures plain data only: the smoke
// bundle text and signoff-lib.cjs (tunnel.ts + contrast.ts), both made by `npm run build:bundles`
// and evaluated at run time by evaluateCommonJs (../commonjs.ts, which imports nothing). Nothing
// else imported here is used inside the provider.
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluateCommonJs } from "../commonjs";
import { smokeBundle } from "../smoke/bundle";
import type * as Checks from "../smoke/checks";
import type * as Contrast from "./contrast";
import type * as Tunnel from "./tunnel";

let macBundleText: string | undefined;
/** signoff-lib.cjs (tunnel.ts and contrast.ts, made by `npm run build:bundles`) as text. */
export function macSignoffBundle(): string {
  return (macBundleText ??= readFileSync(join(__dirname, "signoff-lib.cjs"), "utf8"));
}

/** Where the tunnel goes (the same SSH settings as the install), and what to check. */
export interface SignoffInputs extends Tunnel.TunnelTarget {
  token: string;
  budgetMs: number;
  /** The Mac side: release, integrity or digest, bind, config hash, and the generation (a trigger). */
  mac: { release: string; artifact: string; bind: string; configHash: string; generation: string };
  /** The Kubernetes side, when a cluster smoke check ran: its port-forward evidence. */
  kubernetes?: { release: string; artifact: string; bind: string; configHash: string; evidence: Checks.Evidence };
}

interface SignoffOutputs {
  generation: string;
  clusterKey: string;
  signedOff: boolean;
  evidence: Checks.Evidence;
  contrast: Contrast.Contrast | null;
}

/** Re-run only when the Mac's generation or the cluster's image/values change. */
export function signoffProvider(smoke: string, mac: string): pulumi.dynamic.ResourceProvider {
  const clusterKey = (i: Pick<SignoffInputs, "kubernetes">) => (i.kubernetes ? `${i.kubernetes.artifact}\n${i.kubernetes.configHash}` : "");
  async function run(i: SignoffInputs): Promise<SignoffOutputs> {
    const checks = evaluateCommonJs(smoke, "openclaw-smoke-bundle") as typeof Checks;
    const lib = evaluateCommonJs(mac, "openclaw-mac-signoff") as typeof Tunnel & typeof Contrast;
    const tunnel = await lib.openTunnel({
      host: i.host, port: i.port, user: i.user, privateKey: i.privateKey, hostKey: i.hostKey,
      dialErrorLimit: i.dialErrorLimit, perDialTimeout: i.perDialTimeout, remotePort: i.remotePort,
    });
    let evidence: Checks.Evidence;
    try {
      evidence = await checks.runChecks({ baseUrl: tunnel.url, token: i.token, budgetMs: i.budgetMs, pathName: "macSshTunnel" });
    } finally {
      await tunnel.close();
    }
    const macSide = { track: "mac", release: i.mac.release, artifact: i.mac.artifact, bind: i.mac.bind, configHash: i.mac.configHash, evidence };
    const contrast = i.kubernetes ? lib.contrastTable({ track: "kubernetes", ...i.kubernetes }, macSide) : null;
    if (!evidence.ok) {
      throw new Error(`Mac contrast checks failed through the SSH tunnel:\n${checks.formatEvidence(evidence)}`);
    }
    if (contrast && !contrast.signedOff) {
      throw new Error(`Mac contrast not signed off:\n${contrast.markdown}`);
    }
    return { generation: i.mac.generation, clusterKey: clusterKey(i), signedOff: contrast ? contrast.signedOff : evidence.ok, evidence, contrast };
  }
  return {
    async diff(_id: string, olds: SignoffOutputs, news: SignoffInputs) {
      const changes = olds.generation !== news.mac?.generation || olds.clusterKey !== clusterKey(news);
      return { changes, replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs: SignoffInputs) {
      const outs = await run(inputs);
      return { id: `mac-signoff-${outs.generation}`, outs };
    },
    async update(_id: string, _olds: SignoffOutputs, news: SignoffInputs) {
      return { outs: await run(news) };
    },
  };
}

export class MacContrastSignoff extends pulumi.dynamic.Resource {
  declare public readonly signedOff: pulumi.Output<boolean>;
  declare public readonly evidence: pulumi.Output<Checks.Evidence>;
  declare public readonly contrast: pulumi.Output<Contrast.Contrast | null>;

  constructor(name: string, inputs: { [K in keyof SignoffInputs]: pulumi.Input<SignoffInputs[K]> }, opts?: pulumi.CustomResourceOptions) {
    super(
      signoffProvider(smokeBundle(), macSignoffBundle()),
      name,
      {
        ...inputs,
        privateKey: pulumi.secret(inputs.privateKey),
        token: pulumi.secret(inputs.token),
        generation: undefined,
        clusterKey: undefined,
        signedOff: undefined,
        evidence: undefined,
        contrast: undefined,
      },
      { ...opts, additionalSecretOutputs: ["privateKey", "token"], customTimeouts: { create: "10m", update: "10m" } },
      "openclaw",
      "MacContrastSignoff",
    );
  }
}
