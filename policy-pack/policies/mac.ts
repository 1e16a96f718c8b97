// Same release on both tracks (runbook step 7, §7: "running the same digest under launchd
// before promoting the cluster image"): the Mac contrast node (openclaw:mac:Node) must run
// the release the cluster's gateway image was built from. The rule is the one config
// validation uses (rules/release.ts), so `pulumi preview` and the config cannot disagree.
import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { recognize } from "../rules/recognition";
import { checkImagePinned } from "../rules/image";
import { GATEWAY_MATCH_SCHEMA, recognitionFor, type GatewayMatchConfig } from "../model/gateway";
import { checkMacRunsClusterRelease, checkTagMatchesRelease } from "../rules/release";
import { plain } from "../model/k8s";
import { ANNOTATIONS } from "../rules/names";
import type { OpenClawPolicy } from "./framework";

export const MAC_NODE_TYPE = "openclaw:mac:Node";
const RELEASE_ANNOTATION = ANNOTATIONS.release;

interface ClusterGateway {
  urn: string;
  name: string;
  image: string;
  release: string;
}

/** Gateway Deployments: the release from the openclaw.ai/release annotation, else app.kubernetes.io/version, else the image tag. */
function clusterGateways(resources: PolicyResource[], cfg: GatewayMatchConfig): ClusterGateway[] {
  const out: ClusterGateway[] = [];
  for (const r of resources) {
    if (r.type !== "kubernetes:apps/v1:Deployment") continue;
    const meta = plain<{ name?: string; labels?: Record<string, string>; annotations?: Record<string, string> }>(r.props.metadata ?? {});
    const containers = plain<{ name?: string; image?: string; command?: string[]; args?: string[] }[]>(r.props.spec?.template?.spec?.containers ?? []);
    // The same gateway detection every other policy uses (image repository or openclaw argv).
    const settings = recognitionFor(cfg);
    const gw = containers.find((c) => recognize(c, {}, settings).role === "gateway");
    if (!gw?.image) continue;
    const parsed = checkImagePinned(gw.image);
    const release = meta.annotations?.[RELEASE_ANNOTATION] ?? meta.labels?.["app.kubernetes.io/version"] ?? (parsed.ok ? parsed.ref.tag : undefined) ?? "";
    out.push({ urn: r.urn, name: meta.name ?? r.name, image: gw.image, release });
  }
  return out;
}

export const macRunsClusterRelease: OpenClawPolicy = {
  name: "mac-runs-cluster-release",
  description:
    "The Mac contrast node (openclaw:mac:Node) runs the same OpenClaw release as the cluster's gateway image; in container mode, the very same image digest.",
  why: "Runbook step 7 and §7: the bare-metal contrast signs off the same build before the cluster image is promoted; a Mac on another release proves nothing about the cluster's.",
  concern: "pinning",
  enforcementLevel: "mandatory",
  configSchema: { properties: { ...GATEWAY_MATCH_SCHEMA } },
  validateStack: (args: StackValidationArgs, report: ReportViolation) => {
    const cfg = args.getConfig<GatewayMatchConfig>();
    const macs = args.resources.filter((r) => r.type === MAC_NODE_TYPE);
    if (macs.length === 0) return;
    const gateways = clusterGateways(args.resources, cfg);
    for (const m of macs) {
      const release = String(m.props.release ?? "");
      const mode = m.props.mode === "container" ? "container" : "native";
      const image = typeof m.props.image === "string" && m.props.image !== "" ? m.props.image : undefined;
      if (gateways.length === 0) {
        report(`${MAC_NODE_TYPE} ${m.name}: runs release ${release} but the stack has no gateway Deployment to contrast it with`, m.urn);
        continue;
      }
      for (const g of gateways) {
        // A tag that names another release than the one the Mac is matched against makes "same release" ambiguous.
        const tagProblem = checkTagMatchesRelease(g.image, g.release);
        if (tagProblem) report(`${MAC_NODE_TYPE} ${m.name} vs Deployment ${g.name}: image ${tagProblem}`, m.urn);
        for (const problem of checkMacRunsClusterRelease({ clusterImageRef: g.image, clusterRelease: g.release, macMode: mode, macRelease: release, macImageRef: image })) {
          report(`${MAC_NODE_TYPE} ${m.name} vs Deployment ${g.name}: ${problem}`, m.urn);
        }
      }
    }
  },
};
