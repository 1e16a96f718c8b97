// The policy pack's good fixture claims to be "a gateway as the program renders it
// (staging)": keep it so, or the pack's tests would be checking a gateway we no longer ship.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parseStackConfig } from "../../components/config";
import { allObjects, buildManifests } from "../../components/manifests";
import { ROOT, stackConfig, TEST_TOKEN } from "../support/program";

describe("policy-pack/test/fixtures/good-gateway.yaml", () => {
  it("is the staging stack's objects as buildManifests renders them (token aside)", () => {
    const fixture = parseAllDocuments(fs.readFileSync(path.join(ROOT, "policy-pack/test/fixtures/good-gateway.yaml"), "utf8")).map((d) => d.toJSON());
    const rendered = allObjects(buildManifests(parseStackConfig({ ...stackConfig("staging"), gatewayToken: TEST_TOKEN }, new Set(["gatewayToken"]))));
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
