// The policy pack's good fixture claims to be "a gateway as the program renders it
// (staging)": keep it so, or the pack's tests would be checking a gateway we no longer ship.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parseStackConfig } from "../../../components/config";
import { allObjects, buildManifests } from "../../../components/manifests";
import { ROOT, stackConfig, TEST_TOKEN } from "../../support/program";

describe("test/fixtures/policy/good-gateway.yaml", () => {
  it("is the staging stack's objects as buildManifests renders them (token aside), with the trusted proxies its Ingress needs", () => {
    const fixture = parseAllDocuments(fs.readFileSync(path.join(ROOT, "test/fixtures/policy/good-gateway.yaml"), "utf8")).map((d) => d.toJSON());
    // The fixture adds an Ingress whose controller runs as pods in ingress-nginx; the gateway must
    // trust their addresses as proxies (gateway.trustedProxies, here a pod CIDR), or it answers 403.
    const staging = stackConfig("staging");
    const raw = { ...staging, gateway: { ...(staging.gateway as object), trustedProxies: ["10.42.0.0/16"] }, gatewayToken: TEST_TOKEN };
    const rendered = allObjects(buildManifests(parseStackConfig(raw, new Set(["gatewayToken"]))));
    const key = (o: any) => `${o.kind}/${o.metadata.name}`;
    const byKey = new Map(fixture.map((o: any) => [key(o), o]));
    // The Namespace is left out of the fixture: the checks are namespace-scoped objects.
    for (const o of rendered.filter((x) => x.kind !== "Namespace")) {
      const f = byKey.get(key(o));
      expect(f, `${key(o)} missing from the fixture`).toBeDefined();
      if (o.kind === "Secret") continue; // the fixture carries a token the program adds at run time
      expect(f.spec ?? f.data, key(o)).toEqual((o as any).spec ?? (o as any).data);
    }
  });
});
