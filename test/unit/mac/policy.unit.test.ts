// Stack policy mac-runs-cluster-release through the policy pack's in-process engine mirror
// (description + "\n" + message, props behind the unknown-checking proxy): one good stack,
// each case breaks it in one way.
import { describe, expect, it } from "vitest";
import { analyze } from "../../../policy-harness/engine";
import type { HarnessResource } from "../../../policy-harness/engine";
import { macRunsClusterRelease, MAC_NODE_TYPE } from "../../../policy-pack/policies/mac";

const DIGEST = "sha256:" + "ab12".repeat(16);
const OTHER = "sha256:" + "cd34".repeat(16);
const IMAGE = `ghcr.io/openclaw/openclaw:2026.9.6@${DIGEST}`;

const deployment = (image = IMAGE, release: string | undefined = "2026.9.6"): HarnessResource => ({
  type: "kubernetes:apps/v1:Deployment",
  name: "openclaw-gateway",
  urn: "urn:pulumi:prod::openclaw-gateway-infra::kubernetes:apps/v1:Deployment::openclaw-gateway",
  props: {
    metadata: { name: "openclaw-gateway", namespace: "openclaw", labels: { "app.kubernetes.io/part-of": "openclaw" }, annotations: release ? { "openclaw.ai/release": release } : {} },
    spec: { template: { spec: { containers: [{ name: "gateway", image }] } } },
  },
});
const macNode = (release = "2026.9.6", mode = "native", image = ""): HarnessResource => ({
  type: MAC_NODE_TYPE,
  name: "mac",
  urn: `urn:pulumi:prod::openclaw-gateway-infra::${MAC_NODE_TYPE}::mac`,
  props: { release, mode, image, releaseIntegrity: "sha512-x", label: "ai.openclaw.gateway" },
});

const details = (resources: HarnessResource[]) => analyze([macRunsClusterRelease], resources).diagnostics;

describe("mac-runs-cluster-release", () => {
  it("passes when the Mac runs the cluster's release (native) or its digest (container)", () => {
    expect(details([deployment(), macNode()])).toEqual([]);
    expect(details([deployment(), macNode("2026.9.6", "container", IMAGE)])).toEqual([]);
  });

  it("has nothing to say about a stack without a Mac", () => {
    expect(details([deployment()])).toEqual([]);
  });

  it("fails a Mac on another release, naming both objects and the right value", () => {
    const d = details([deployment(), macNode("2026.9.5")]);
    expect(d).toHaveLength(1);
    expect(d[0].enforcementLevel).toBe("mandatory");
    expect(d[0].message).toBe(
      `${macRunsClusterRelease.description}\nopenclaw:mac:Node mac vs Deployment openclaw-gateway: mac.release "2026.9.5" differs from the cluster's image.release "2026.9.6"; set mac.release to "2026.9.6" so the Mac contrasts the same release (runbook step 7)`,
    );
    expect(d[0].urn).toContain("openclaw:mac:Node::mac");
  });

  it("fails a container-mode Mac on another digest", () => {
    const d = details([deployment(), macNode("2026.9.6", "container", `ghcr.io/openclaw/openclaw:2026.9.6@${OTHER}`)]);
    expect(d.map((x) => x.detail)).toEqual([expect.stringContaining(`mac.container.image digest ${OTHER} differs from the cluster's image.ref digest ${DIGEST}`)]);
  });

  it("fails when the cluster image's tag names another release than its release annotation", () => {
    const d = details([deployment(`ghcr.io/openclaw/openclaw:2026.9.5@${DIGEST}`, "2026.9.6"), macNode()]);
    expect(d.map((x) => x.detail)).toEqual([expect.stringContaining('image tag "2026.9.5" differs from image.release "2026.9.6"')]);
  });

  it("reads the release from the image tag when the Deployment has no release annotation", () => {
    expect(details([deployment(IMAGE, undefined), macNode()])).toEqual([]);
    expect(details([deployment(IMAGE, undefined), macNode("2026.9.5")]).map((x) => x.detail)).toEqual([expect.stringContaining('differs from the cluster\'s image.release "2026.9.6"')]);
  });

  it("fails a Mac with no cluster gateway to contrast", () => {
    expect(details([macNode()]).map((x) => x.detail)).toEqual(["openclaw:mac:Node mac: runs release 2026.9.6 but the stack has no gateway Deployment to contrast it with"]);
  });
});
