// The YAML loader behind npm run policy:check: what Helm and Kustomize output looks like.
import { describe, expect, it } from "vitest";
import { ManifestError, parseManifestText } from "../../../policy-harness/manifests";

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
    expect(bad("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { count: 1 }")).toThrow(new ManifestError("x.yaml: document 1 (ConfigMap/default/c): data.count is a number (1), expected a string"));
    expect(bad("apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [{ name: c, ports: [{ containerPort: '80' }] }] }")).toThrow(/spec\.containers\[0\]\.ports\[0\]\.containerPort is a string \("80"\), expected a number/);
    expect(bad("apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec: {}")).toThrow(/spec\.template\.spec is missing/);
    expect(bad("apiVersion: v1\nkind: Service\nmetadata: { labels: [a] , name: s}")).toThrow(/metadata\.labels is a sequence, expected a mapping/);
    expect(bad("apiVersion: v1\nkind: List\nitems: 3")).toThrow(/List\.items is a number \(3\), expected a sequence/);
  });
});

describe("YAML as kubectl decodes it (YAML 1.1 over go-yaml v2)", () => {
  const pod = (extra: string) => parseManifestText(`apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers:\n  - name: c\n    image: x\n${extra}`, "p.yaml")[0].resource.props as any;

  it("yes/no/on/off/y/n are booleans, 0777 is octal; timestamps and 1:20 stay strings", () => {
    const p = pod("    securityContext: { privileged: yes, readOnlyRootFilesystem: on, runAsNonRoot: n }\n    env: [{ name: A, value: '1:20' }]\n");
    expect(p.spec.containers[0].securityContext).toEqual({ privileged: true, readOnlyRootFilesystem: true, runAsNonRoot: false });
    const cm = parseManifestText("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c, annotations: { d: 2026-01-01, t: 1:20 } }\ndata: { a: 'x' }", "c.yaml")[0].resource.props as any;
    expect(cm.metadata.annotations).toEqual({ d: "2026-01-01", t: "1:20" });
    expect(pod("    ports: [{ containerPort: 0777 }]\n").spec.containers[0].ports[0].containerPort).toBe(511);
  });

  it("applies merge keys (<<), also the ones that hide a privileged container or a loopback bind", () => {
    const p = pod("    securityContext:\n      <<: { privileged: true }\n      runAsNonRoot: true\n    args:\n      - gateway\n");
    expect(p.spec.containers[0].securityContext).toEqual({ privileged: true, runAsNonRoot: true });
    const t = [
      "base: &base { command: [node, /app/dist/index.js], args: [gateway, run, --bind, loopback] }",
      "apiVersion: v1", "kind: Pod", "metadata: { name: p }",
      "spec: { containers: [{ name: gateway, image: x, <<: *base }] }",
    ].join("\n");
    const q = parseManifestText(t, "q.yaml")[0].resource.props as any;
    expect(q.spec.containers[0].args).toEqual(["gateway", "run", "--bind", "loopback"]);
  });

  it("reads JSON manifests, and typed lists (DeploymentList) like kind: List", () => {
    const objs = parseManifestText(JSON.stringify({ apiVersion: "v1", kind: "ConfigMapList", items: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: {} }] }), "l.json");
    expect(objs.map((o) => o.ref)).toEqual(["ConfigMap/default/a"]);
    expect(() => parseManifestText("{ nope", "bad.json")).toThrow(/^bad\.json: document 1: JSON error: /);
  });

  it("names the field of every shape a policy reads (a probe path that is a list, an env value that is a mapping)", () => {
    expect(() => pod("    readinessProbe: { httpGet: { path: [a], port: 1 } }\n")).toThrow(
      new ManifestError("p.yaml: document 1 (Pod/default/p): spec.containers[0].readinessProbe.httpGet.path is a sequence, expected a string"),
    );
    expect(() => pod("    env: [{ name: A, value: { x: 1 } }]\n")).toThrow(/spec\.containers\[0\]\.env\[0\]\.value is a mapping, expected a string/);
    expect(() => pod("    envFrom: [{ secretRef: { name: [x] } }]\n")).toThrow(/envFrom\[0\]\.secretRef\.name is a sequence, expected a string/);
  });

  it("refuses deep nesting and object floods with a clear error, and reads 125k objects without a stack overflow", () => {
    const deep = "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\nx: " + "[".repeat(500) + "]".repeat(500);
    expect(() => parseManifestText(deep, "deep.yaml")).toThrow(/deep\.yaml: document 1: (nested more than 100 levels deep|cannot be parsed|nested too deeply)/);
    const items = Array.from({ length: 125_000 }, (_, i) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c${i}"}}`);
    const list = `{"apiVersion":"v1","kind":"List","items":[${items.join(",")}]}`;
    expect(parseManifestText(list, "many.json", "default", { maxBytes: 1e9, maxObjects: 200_000, maxDepth: 100 })).toHaveLength(125_000);
    expect(() => parseManifestText(list, "many.json")).toThrow(/many\.json: document 1: more than 50000 objects in the input; raise --max-objects/);
    // A stream of documents stops at the cap instead of composing them all.
    const docs = items.slice(0, 3000).join("\n---\n");
    expect(() => parseManifestText(docs, "many.yaml", "default", { maxBytes: 1e9, maxObjects: 1000, maxDepth: 100 })).toThrow(/many\.yaml: document 1001: more than 1000 objects in the input; raise --max-objects/);
  }, 120_000);
});
