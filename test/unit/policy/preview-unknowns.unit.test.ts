// In preview, values computed from other resources are unknown. The engine wraps props in
// a proxy that throws on reading one; a policy must never crash on it: it is skipped with
// an advisory that names what was unknown, and fully known objects are still judged.
import { describe, expect, it } from "vitest";
import { policies } from "../../../policy-pack/policies";
import { analyze, mandatory } from "../../../policy-harness/engine";
import { caseObjects, loadCases } from "../../../policy-harness/cases";
import { GOOD } from "../../../policy-harness/cases";
import { loadManifests } from "../../../policy-harness/manifests";

// The sentinel the engine sends for an unknown string (@pulumi/policy proxy.js, the wire value).
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function good() {
  return loadManifests([GOOD]).map((o) => o.resource);
}
function deployment(res: ReturnType<typeof good>) {
  return res.find((r) => r.type === "kubernetes:apps/v1:Deployment")!.props as any;
}

describe("unknown values in preview", () => {
  it("an unknown image skips image-pinned-by-digest with an advisory naming the path, no crash", () => {
    const res = good();
    deployment(res).spec.template.spec.containers[0].image = UNKNOWN;
    const r = analyze(policies, res);
    const adv = r.diagnostics.filter((d) => d.policyName === "image-pinned-by-digest");
    expect(adv).toHaveLength(1);
    expect(adv[0].enforcementLevel).toBe("advisory");
    expect(adv[0].message).toBe(
      "can't run policy 'image-pinned-by-digest' from policy pack 'openclaw-gateway@v0.1.0' during preview: " +
        "string value at .spec.template.spec.containers.0.image can't be known during preview",
    );
    expect(mandatory(r)).toEqual([]);
  });

  it("an unknown value in a field no policy reads changes nothing", () => {
    const res = good();
    deployment(res).status = UNKNOWN;
    deployment(res).metadata.uid = UNKNOWN;
    deployment(res).spec.template.spec.serviceAccountName = UNKNOWN;
    expect(analyze(policies, res).diagnostics).toEqual([]);
  });

  it("a stack policy skips only the workload with the unknown and still fails a broken one", () => {
    const broken = caseObjects(loadCases().find((c) => c.name === "bind-loopback-behind-service")!).map((o) => o.resource);
    // A second gateway in another namespace whose ConfigMap content is unknown in preview
    // and whose args do not set --bind: its bind can only be read from the unknown config.
    const other = good().map((r) => {
      const props = JSON.parse(JSON.stringify(r.props));
      props.metadata.namespace = "openclaw-other";
      if (props.kind === "ConfigMap") props.data["openclaw.json"] = UNKNOWN;
      if (props.kind === "Deployment") props.spec.template.spec.containers[0].args = ["gateway", "run", "--port", "18789"];
      return { ...r, props, urn: r.urn.replace("openclaw-staging", "openclaw-other") };
    });
    const r = analyze(policies, [...broken, ...other]);
    const bind = r.diagnostics.filter((d) => d.policyName === "bind-reachable-from-service");
    expect(bind.map((d) => d.enforcementLevel).sort()).toEqual(["advisory", "mandatory"]);
    expect(bind.find((d) => d.enforcementLevel === "mandatory")!.detail).toContain("Deployment/openclaw-staging/openclaw-gateway");
    const adv = bind.find((d) => d.enforcementLevel === "advisory")!;
    expect(adv.message).toContain("during preview: Deployment/openclaw-other/openclaw-gateway: string value at .data.openclaw.json can't be known during preview");
  });

  it("an unknown NetworkPolicy selector skips the kubelet check for that namespace only", () => {
    const res = good();
    const np = res.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")!.props as any;
    np.spec.ingress[1].from[0].ipBlock.cidr = UNKNOWN;
    const r = analyze(policies, res);
    const d = r.diagnostics.filter((x) => x.policyName === "probes-admitted-by-networkpolicy");
    expect(d).toHaveLength(1);
    expect(d[0].enforcementLevel).toBe("advisory");
    expect(d[0].message).toContain("spec.ingress.1.from.0.ipBlock.cidr can't be known during preview");
  });

  it("an unknown namespace on a Service defers the checks that need it", () => {
    const res = good();
    const svc = res.find((r) => r.type === "kubernetes:core/v1:Service")!.props as any;
    svc.metadata.namespace = UNKNOWN;
    const r = analyze(policies, res);
    const adv = r.diagnostics.filter((d) => d.enforcementLevel === "advisory");
    // The Ingress policies need the Service too (which Service the Ingress routes to).
    expect(adv.map((d) => d.policyName).sort()).toEqual(["bind-reachable-from-service", "ingress-reaches-gateway", "ingress-terminates-tls", "ports-aligned"]);
    expect(adv[0].message).toContain(".metadata.namespace can't be known during preview");
    expect(mandatory(r)).toEqual([]);
  });
});

describe("the config file is read only when a setting needs it", () => {
  it("with --bind and --port on the command line, an unknown ConfigMap defers only the checks that read it", () => {
    const res = good();
    const cm = res.find((r) => r.type === "kubernetes:core/v1:ConfigMap")!.props as any;
    cm.data["openclaw.json"] = UNKNOWN;
    const r = analyze(policies, res);
    expect(mandatory(r)).toEqual([]);
    // ports-aligned compares gateway.port; auth and token-from-secret read gateway.auth; ingress-reaches-gateway
    // reads gateway.trustedProxies (after its other checks): they need the file.
    expect(r.diagnostics.map((d) => d.policyName).sort()).toEqual(["auth-required-off-loopback", "ingress-reaches-gateway", "ports-aligned", "token-from-secret"]);
    for (const d of r.diagnostics) {
      expect(d.enforcementLevel).toBe("advisory");
      const on = d.policyName === "ingress-reaches-gateway" ? "Ingress/openclaw-staging/openclaw-gateway" : "Deployment/openclaw-staging/openclaw-gateway";
      expect(d.message).toContain(`${on}: string value at .data.openclaw.json can't be known during preview`);
    }
  });
});
