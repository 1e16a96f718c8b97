// The YAML loader behind npm run policy:check: what Helm and Kustomize output looks like.
import { describe, expect, it } from "vitest";
import { ManifestError, parseManifestText } from "../harness/manifests";

describe("manifest loader", () => {
  it("reads multi-document streams with comments, empty documents and kind: List", () => {
    const text = [
      "# Source: openclaw/templates/service.yaml",
      "---",
      "apiVersion: v1",
      "kind: List",
      "items:",
      "  - { apiVersion: v1, kind: Service, metadata: { name: a }, spec: { selector: { app: a }, ports: [{ port: 80 }] } }",
      "  - { apiVersion: v1, kind: ConfigMap, metadata: { name: b, namespace: other }, data: { k: v } }",
      "---",
      "---",
      "apiVersion: networking.k8s.io/v1",
      "kind: NetworkPolicy",
      "metadata: { name: np }",
      "spec: { podSelector: {} }",
    ].join("\n");
    const objs = parseManifestText(text, "chart.yaml", "openclaw");
    expect(objs.map((o) => o.ref)).toEqual(["Service/openclaw/a", "ConfigMap/other/b", "NetworkPolicy/openclaw/np"]);
    expect(objs.map((o) => o.resource.type)).toEqual(["kubernetes:core/v1:Service", "kubernetes:core/v1:ConfigMap", "kubernetes:networking.k8s.io/v1:NetworkPolicy"]);
    expect(objs.map((o) => o.doc)).toEqual([1, 1, 3]);
  });

  it("names the file, document, object and field of a wrong shape", () => {
    const bad = (t: string) => () => parseManifestText(t, "x.yaml");
    expect(bad("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { n: 1 }")).toThrow(new ManifestError("x.yaml: document 1 (ConfigMap/default/c): data.n is a number (1), expected a string"));
    expect(bad("apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [{ name: c, ports: [{ containerPort: '80' }] }] }")).toThrow(/spec\.containers\[0\]\.ports\[0\]\.containerPort is a string \("80"\), expected a number/);
    expect(bad("apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec: {}")).toThrow(/spec\.template\.spec is missing/);
    expect(bad("apiVersion: v1\nkind: Service\nmetadata: { labels: [a] , name: s}")).toThrow(/metadata\.labels is a sequence, expected a mapping/);
    expect(bad("apiVersion: v1\nkind: List\nitems: 3")).toThrow(/List\.items is not a sequence/);
  });
});
