// The program under Pulumi mocks, for each stack the repository ships. Mocks
// prove structure: which objects exist, with which fields, and that values
// written once are derived consistently everywhere else.
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseStackConfig } from "../../../components/config";
import { valuesHash } from "../../../components/ticket";
import { parseMemory } from "../../../policy-pack/rules/quantity";
import { type ProgramRun, ROOT, runProgram, stackConfig, TEST_TOKEN } from "../../support/program";

const T = {
  ns: "kubernetes:core/v1:Namespace",
  sa: "kubernetes:core/v1:ServiceAccount",
  cm: "kubernetes:core/v1:ConfigMap",
  secret: "kubernetes:core/v1:Secret",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
  deploy: "kubernetes:apps/v1:Deployment",
  svc: "kubernetes:core/v1:Service",
  netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  provider: "pulumi:providers:kubernetes",
};

const runs: Record<string, ProgramRun> = {};
beforeAll(async () => {
  for (const stack of ["local", "staging", "prod"]) runs[stack] = await runProgram(stack);
});

const container = (run: ProgramRun) => run.one(T.deploy).inputs.spec.template.spec.containers[0];
const podSpec = (run: ProgramRun) => run.one(T.deploy).inputs.spec.template.spec;
const env = (run: ProgramRun) => Object.fromEntries(container(run).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

describe.each(["local", "staging", "prod"])("stack %s", (stack) => {
  const run = () => runs[stack];

  it("registers every object under one openclaw:k8s:Gateway component", () => {
    const types = run().resources.map((r) => r.type);
    expect(types).toContain("openclaw:k8s:Gateway");
    for (const t of [T.sa, T.cm, T.secret, T.deploy, T.svc, T.netpol]) expect(types.filter((x) => x === t)).toHaveLength(1);
  });

  it("pins the image by digest and runs the gateway with explicit bind and port", () => {
    const c = container(run());
    expect(c.image).toMatch(/^ghcr\.io\/openclaw\/openclaw:2026\.9\.6@sha256:[a-f0-9]{64}$/);
    expect(c.command).toEqual(["node", "/app/dist/index.js"]);
    expect(c.args).toEqual(["gateway", "run", "--bind", "lan", "--port", "18789"]);
    expect(c.ports).toEqual([{ name: "gateway", containerPort: 18789, protocol: "TCP" }]);
  });

  it("writes the gateway config once: the ConfigMap, the args and the ports agree", () => {
    const cm = run().one(T.cm).inputs;
    const file = JSON.parse(cm.data["openclaw.json"]);
    expect(file).toEqual({
      gateway: { mode: "local", port: 18789, bind: "lan", auth: { mode: "token" } },
      logging: { file: "/tmp/openclaw/openclaw.log" },
    });
    const c = container(run());
    expect(c.args[c.args.indexOf("--port") + 1]).toBe(String(file.gateway.port));
    expect(c.args[c.args.indexOf("--bind") + 1]).toBe(file.gateway.bind);
    expect(env(run()).OPENCLAW_CONFIG_PATH).toBe("/etc/openclaw/openclaw.json");
    const mount = c.volumeMounts.find((m: any) => m.name === "config");
    expect(mount).toEqual({ name: "config", mountPath: "/etc/openclaw", readOnly: true });
    expect(podSpec(run()).volumes.find((v: any) => v.name === "config").configMap.name).toBe(cm.metadata.name);
  });

  it("probes: startup /startupz, readiness /readyz, liveness /healthz, all httpGet on the named traffic port", () => {
    const c = container(run());
    expect(c.startupProbe.httpGet).toEqual({ path: "/startupz", port: "gateway", scheme: "HTTP" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "gateway", scheme: "HTTP" });
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "gateway", scheme: "HTTP" });
    for (const p of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
      expect(p.exec).toBeUndefined();
      expect(p.tcpSocket).toBeUndefined();
      expect(c.ports.map((x: any) => x.name)).toContain(p.httpGet.port);
    }
    // Cold start declared 45 s (> 30 s): the startup budget must give at least 60 s (runbook §5).
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBeGreaterThanOrEqual(60);
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBeGreaterThanOrEqual(45);
  });

  it("the Service targets the container port by name and selects exactly the Deployment's pods", () => {
    const svc = run().one(T.svc).inputs;
    const deploy = run().one(T.deploy).inputs;
    expect(svc.spec.type).toBe("ClusterIP");
    expect(svc.spec.ports).toEqual([{ name: "gateway", port: 18789, targetPort: "gateway", protocol: "TCP" }]);
    expect(svc.spec.selector).toEqual(deploy.spec.selector.matchLabels);
    for (const [k, v] of Object.entries(svc.spec.selector)) expect(deploy.spec.template.metadata.labels[k]).toBe(v);
  });

  it("the token lives only in the Secret and reaches the pod through secretKeyRef", () => {
    const secret = run().one(T.secret).inputs;
    expect(Object.keys(secret.stringData)).toEqual(["OPENCLAW_GATEWAY_TOKEN"]);
    // It reaches the provider as a Pulumi secret, so state and previews mask it.
    expect(run().one(T.secret).secretPaths).toEqual(["stringData"]);
    for (const r of run().resources.filter((x) => x.type !== T.secret)) expect(r.secretPaths).toEqual([]);
    expect(env(run()).OPENCLAW_GATEWAY_TOKEN).toEqual({ secretKeyRef: { name: secret.metadata.name, key: "OPENCLAW_GATEWAY_TOKEN" } });
    const token = secret.stringData.OPENCLAW_GATEWAY_TOKEN;
    for (const r of run().resources.filter((x) => x.type !== T.secret)) expect(JSON.stringify(r.inputs)).not.toContain(token);
    expect(JSON.stringify(run().outputs)).not.toContain(token);
    expect(JSON.stringify(run().outputs)).not.toContain(TEST_TOKEN);
  });

  it("caps the V8 heap at 75% of the memory limit", () => {
    const c = container(run());
    const limitMi = Number(/^(\d+)Mi$/.exec(c.resources.limits.memory)![1]);
    expect(env(run()).NODE_OPTIONS).toBe(`--max-old-space-size=${Math.floor(limitMi * 0.75)}`);
  });

  it("sizes memory from the observed P95 and boot peak within 1.25–1.40×", () => {
    const c = container(run());
    const mi = (q: string) => Number(/^(\d+)Mi$/.exec(q)![1]);
    const deploy = run().one(T.deploy).inputs;
    const p95 = mi(deploy.metadata.annotations["openclaw.ai/p95-working-set"]);
    const boot = mi(deploy.metadata.annotations["openclaw.ai/boot-peak"]);
    expect(mi(c.resources.requests.memory)).toBeGreaterThanOrEqual(p95);
    const ratio = mi(c.resources.limits.memory) / Math.max(p95, boot);
    expect(ratio).toBeGreaterThanOrEqual(1.25);
    expect(ratio).toBeLessThanOrEqual(1.4);
    expect((run().outputs.changeTicket as any).resources.headroomRatio).toBeCloseTo(ratio, 2);
    expect(c.resources.requests.cpu).toBeDefined();
    // Ephemeral storage bounds /tmp, an emptyDir state volume and the logs.
    const emptyDirMi = podSpec(run())
      .volumes.filter((v: any) => v.emptyDir)
      .reduce((sum: number, v: any) => sum + parseMemory(v.emptyDir.sizeLimit)! / 2 ** 20, 0);
    expect(c.resources.requests["ephemeral-storage"]).toBe("256Mi");
    expect(mi(c.resources.limits["ephemeral-storage"])).toBe(emptyDirMi + 512);
  });

  it("meets the restricted Pod Security Standard with writable /tmp, $HOME/.cache and state", () => {
    const spec = podSpec(run());
    const c = container(run());
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } });
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(c.volumeMounts.map((m: any) => m.mountPath).sort()).toEqual(["/etc/openclaw", "/home/node/.cache", "/home/node/.openclaw", "/tmp"]);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(run().one(T.sa).inputs.automountServiceAccountToken).toBe(false);
    expect(spec.serviceAccountName).toBe(run().one(T.sa).inputs.metadata.name);
  });

  it("rolls the pods when the gateway config changes", () => {
    const ann = run().one(T.deploy).inputs.spec.template.metadata.annotations["openclaw.ai/config-checksum"];
    expect(ann).toMatch(/^[a-f0-9]{64}$/);
  });

  it("the NetworkPolicy admits real traffic, the kubelet's probes and the smoke Job on the gateway port, nothing else", () => {
    const np = run().one(T.netpol).inputs;
    const deploy = run().one(T.deploy).inputs;
    expect(np.spec.podSelector.matchLabels).toEqual(deploy.spec.selector.matchLabels);
    expect(np.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    const ann = deploy.metadata.annotations;
    const kubelet = ann["openclaw.ai/kubelet-cidrs"].split(",");
    const probeRule = np.spec.ingress.find((r: any) => r.from.some((p: any) => p.ipBlock && kubelet.includes(p.ipBlock.cidr)));
    expect(probeRule.ports).toEqual([{ protocol: "TCP", port: "gateway" }]);
    expect(probeRule.from.map((p: any) => p.ipBlock.cidr)).toEqual(kubelet);
    const sources = JSON.parse(ann["openclaw.ai/ingress-sources"]);
    expect(np.spec.ingress[0].from).toHaveLength(sources.length);
    for (const rule of np.spec.ingress) expect(rule.ports).toEqual([{ protocol: "TCP", port: "gateway" }]);
    expect(np.spec.ingress).toHaveLength(3);
  });

  it("outputs a change ticket with digest, build id, program version, values hash and rollback commands", () => {
    const t = run().outputs.changeTicket as any;
    expect(t.stack).toBe(stack);
    expect(t.image.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(t.image.buildId).toBe("eb377ac");
    expect(t.image.release).toBe("2026.9.6");
    expect(t.program.version).toBe(require("../../../package.json").version);
    expect(t.program.commit).toMatch(/^[a-f0-9]{40}$|^unknown$/);
    expect(t.valuesHash).toMatch(/^[a-f0-9]{64}$/);
    expect(run().outputs.valuesHash).toBe(t.valuesHash);
    expect(t.network).toMatchObject({ bind: "lan", port: 18789, containerPort: { name: "gateway", number: 18789 }, serviceTargetPort: "gateway" });
    expect(t.rollback.emergency[0]).toBe(`kubectl --namespace ${t.endpoints.namespace} rollout undo deployment/openclaw-gateway`);
    expect(t.rollback.emergency).toContain(`pulumi refresh --stack ${stack} --yes`);
    expect(t.endpoints.serviceUrl).toBe(`http://openclaw-gateway.${t.endpoints.namespace}.svc.cluster.local:18789`);
  });
});

describe("differences between stacks", () => {
  it("local renders manifests and never talks to a cluster; staging and prod apply to a named context", () => {
    expect(runs.local.one(T.provider).inputs.renderYamlToDirectory).toBe("rendered/local");
    expect(runs.local.one(T.provider).inputs.context).toBeUndefined();
    for (const s of ["staging", "prod"]) {
      const p = runs[s].one(T.provider).inputs;
      expect(p.renderYamlToDirectory).toBeUndefined();
      expect(p.context).toBe(s);
    }
    expect((runs.local.outputs.changeTicket as any).renderedOnly).toBe(true);
    expect((runs.prod.outputs.changeTicket as any).renderedOnly).toBe(false);
  });

  it("smoke checks exist only where something is deployed; the ticket says why they did not run", () => {
    expect(runs.local.byType("openclaw:smoke:Check")).toHaveLength(0);
    expect((runs.local.outputs.changeTicket as any).smoke).toEqual({ status: "not run: render-only stack, nothing was deployed to check", evidence: null });
    for (const s of ["staging", "prod"]) expect(runs[s].byType("openclaw:smoke:Check")).toHaveLength(1);
    for (const s of ["local", "staging", "prod"]) expect(runs[s].outputs.mac).toBeNull();
  });

  it("local uses the placeholder token; staging and prod the stack's secret", () => {
    expect(runs.local.one(T.secret).inputs.stringData.OPENCLAW_GATEWAY_TOKEN).toBe("local-render-placeholder-NOT-A-SECRET");
    expect(runs.prod.one(T.secret).inputs.stringData.OPENCLAW_GATEWAY_TOKEN).toBe(TEST_TOKEN);
  });

  it("a single ReadWriteOnce volume forces Recreate; otherwise rolling keeps capacity (maxUnavailable 0)", () => {
    expect(runs.local.one(T.deploy).inputs.spec.strategy).toEqual({ type: "Recreate" });
    expect(runs.local.one(T.pvc).inputs.spec.accessModes).toEqual(["ReadWriteOnce"]);
    for (const s of ["staging", "prod"]) {
      expect(runs[s].one(T.deploy).inputs.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
      expect(runs[s].byType(T.pvc)).toHaveLength(0);
    }
  });

  it("a PodDisruptionBudget and anti-affinity exist only with more than one replica", () => {
    expect(runs.local.byType(T.pdb)).toHaveLength(0);
    expect(podSpec(runs.local).affinity).toBeUndefined();
    for (const s of ["staging", "prod"]) {
      const pdb = runs[s].one(T.pdb).inputs;
      expect(pdb.spec.selector.matchLabels).toEqual(runs[s].one(T.deploy).inputs.spec.selector.matchLabels);
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(podSpec(runs[s]).affinity.podAntiAffinity).toBeDefined();
    }
    expect(runs.prod.one(T.deploy).inputs.spec.replicas).toBe(3);
  });

  it("each stack has its own namespace, environment label and values hash", () => {
    const ns = ["local", "staging", "prod"].map((s) => runs[s].one(T.deploy).inputs.metadata.namespace);
    expect(new Set(ns).size).toBe(3);
    const hashes = ["local", "staging", "prod"].map((s) => runs[s].outputs.valuesHash);
    expect(new Set(hashes).size).toBe(3);
    expect(runs.prod.one(T.deploy).inputs.metadata.labels).toMatchObject({ "app.kubernetes.io/instance": "prod", team: "platform", tier: "production" });
    expect(runs.prod.one(T.ns).inputs.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  it("staging and prod name a rollback target; the ticket says how to use it", () => {
    const t = runs.prod.outputs.changeTicket as any;
    expect(t.rollback.target.image).toMatch(/:2026\.9\.5@sha256:/);
    expect(t.rollback.pulumi[0]).toBe(`pulumi config set --stack prod --path image.ref '${t.rollback.target.image}'`);
    expect((runs.local.outputs.changeTicket as any).rollback.target).toBeNull();
  });
});

describe("values hash", () => {
  it("is stable across runs", async () => {
    const again = await runProgram("staging");
    expect(again.outputs.valuesHash).toBe(runs.staging.outputs.valuesHash);
  });

  it("does not depend on the token", async () => {
    const other = await runProgram("staging", () => {}, { token: "another-token-0123456789abcdef0123456789abcdef" });
    expect(other.outputs.valuesHash).toBe(runs.staging.outputs.valuesHash);
  });

  const changes: [string, (c: Record<string, any>) => void][] = [
    ["image digest", (c) => (c.image.ref = c.image.ref.replace(/ab343cef/, "bb343cef"))],
    ["build id", (c) => (c.image.buildId = "ffff000")],
    ["replicas", (c) => (c.replicas = 3)],
    ["memory limit", (c) => (c.resources.memoryLimit = "1300Mi")],
    ["a defaulted value made explicit with another value", (c) => (c.gateway.coldStartSeconds = 50)],
    ["kubelet CIDRs", (c) => (c.network.kubeletCidrs = ["10.21.0.0/16"])],
    ["extra label", (c) => (c.labels = { team: "sre" })],
    ["namespace", (c) => (c.namespace = "openclaw-stg")],
  ];
  for (const [what, mutate] of changes) {
    it(`changes when the ${what} changes`, async () => {
      const changed = await runProgram("staging", mutate);
      expect(changed.outputs.valuesHash).not.toBe(runs.staging.outputs.valuesHash);
    });
  }

  it("equals the hash of the same values spelled with their defaults", async () => {
    const explicit = await runProgram("staging", (c) => (c.createNamespace = true));
    expect(explicit.outputs.valuesHash).toBe(runs.staging.outputs.valuesHash);
  });
});

describe("values hash over every effective setting", () => {
  it("changes when any single leaf of the effective config changes, and ignores secrets", () => {
    const settings = parseStackConfig({ ...stackConfig("prod"), gatewayToken: TEST_TOKEN }, new Set(["gatewayToken"]));
    const base = valuesHash(settings);
    const leaves: string[][] = [];
    const walk = (v: unknown, p: string[]) => {
      if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
      else leaves.push(p);
    };
    walk(settings.config, []);
    expect(leaves.length).toBeGreaterThan(30);
    for (const leaf of leaves) {
      const copy = structuredClone(settings);
      let o: any = copy.config;
      for (const k of leaf.slice(0, -1)) o = o[k];
      const last = leaf[leaf.length - 1];
      const v = o[last];
      o[last] = typeof v === "number" ? v + 1 : typeof v === "boolean" ? !v : `${v}-changed`;
      if (leaf.join(".") === "gatewayToken") expect(valuesHash(copy), leaf.join(".")).toBe(base);
      else expect(valuesHash(copy), leaf.join(".")).not.toBe(base);
    }
  });
});

describe("bind=loopback without a Service (same-pod sidecars only)", () => {
  it("probes 127.0.0.1 from inside the pod, since the kubelet cannot reach a loopback bind", async () => {
    const run = await runProgram("staging", (c) => {
      c.gateway = { ...c.gateway, bind: "loopback" };
      c.service = { enabled: false };
    });
    expect(run.byType(T.svc)).toHaveLength(0);
    const c = container(run);
    expect(c.args).toEqual(["gateway", "run", "--bind", "loopback", "--port", "18789"]);
    for (const [probe, path] of [["startupProbe", "/startupz"], ["readinessProbe", "/readyz"], ["livenessProbe", "/healthz"]]) {
      expect(c[probe].httpGet).toBeUndefined();
      expect(c[probe].exec.command[0]).toBe("node");
      expect(c[probe].exec.command[2]).toContain(`http://127.0.0.1:18789${path}`);
    }
    expect((run.outputs.changeTicket as any).endpoints.serviceUrl).toBeNull();
  });
});

describe("Pulumi.yaml defaults", () => {
  it("every default the engine injects equals the schema's own default (same values hash)", () => {
    const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown }> };
    const withDefaults = Object.entries(project.config).filter(([, d]) => d.default !== undefined);
    expect(withDefaults.map(([k]) => k).sort()).toEqual(["gateway", "namespace", "replicas", "stateVolume"]);
    for (const [key, decl] of withDefaults) {
      const raw = { ...stackConfig("staging"), gatewayToken: TEST_TOKEN } as Record<string, unknown>;
      delete raw[key];
      const omitted = valuesHash(parseStackConfig(raw, new Set(["gatewayToken"])));
      const injected = valuesHash(parseStackConfig({ ...raw, [key]: decl.default }, new Set(["gatewayToken"])));
      expect(injected, key).toBe(omitted);
    }
  });
});
