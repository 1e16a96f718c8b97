// Starts the policy pack the way the engine's language host does — a Node process running
// @pulumi/pulumi/cmd/run-policy-pack on the pack directory, which compiles index.ts through
// ts-node (type-checked) and prints the gRPC port of its Analyzer server — and drives it
// with the engine's own protobuf messages: Configure, Analyze per resource, AnalyzeStack.
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import type { EnforcementLevel } from "@pulumi/policy";
import type { Diagnostic, HarnessResource } from "../../policy-harness/engine";
import type { ResolvedPolicyConfig } from "../../policy-harness/config";

/* eslint-disable @typescript-eslint/no-require-imports */
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
const analyzerGrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const structPb = require("google-protobuf/google/protobuf/struct_pb");
const emptyPb = require("google-protobuf/google/protobuf/empty_pb");

export const PACK_DIR = path.resolve(__dirname, "../../policy-pack");
const RUN_POLICY_PACK = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");

const LEVEL_TO_PB: Record<EnforcementLevel, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };
const PB_TO_LEVEL = ["advisory", "mandatory", "disabled", "remediate"] as const;

export interface PackInfo {
  name: string;
  version: string;
  policies: { name: string; enforcementLevel: string; configSchemaKeys: string[] }[];
}

export class PackProcess {
  private constructor(
    readonly child: ChildProcess,
    private readonly client: any,
    readonly stderr: () => string,
  ) {}

  static async start(timeoutMs = 180_000): Promise<PackProcess> {
    // A placeholder engine address: the pack only needs it to be present (run-policy-pack shifts it away).
    const child = spawn(process.execPath, [RUN_POLICY_PACK, "127.0.0.1:1", "."], {
      cwd: PACK_DIR,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PULUMI_NODEJS_SKIP_CLOSURE_SERIALIZATION: "true" },
    });
    let out = "";
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`policy pack did not print a port within ${timeoutMs} ms; stderr:\n${err}`));
      }, timeoutMs);
      child.stdout!.on("data", (d) => {
        out += d;
        const m = /^(\d+)\s*$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`policy pack exited with ${code} before serving; stdout:\n${out}\nstderr:\n${err}`));
      });
    });
    const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new PackProcess(child, client, () => err);
  }

  private call<T>(method: string, req: unknown): Promise<T> {
    return new Promise((resolve, reject) => this.client[method](req, (e: Error | null, res: T) => (e ? reject(e) : resolve(res))));
  }

  async info(): Promise<PackInfo> {
    const r: any = await this.call("getAnalyzerInfo", new emptyPb.Empty());
    return {
      name: r.getName(),
      version: r.getVersion(),
      policies: r.getPoliciesList().map((p: any) => ({
        name: p.getName(),
        enforcementLevel: PB_TO_LEVEL[p.getEnforcementlevel()],
        configSchemaKeys: Object.keys(p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}),
      })),
    };
  }

  /** What the CLI sends after resolving the config file: every policy with its level and properties. */
  async configure(resolved: Record<string, ResolvedPolicyConfig>): Promise<void> {
    const req = new analyzerPb.ConfigureAnalyzerRequest();
    const map = req.getPolicyconfigMap();
    for (const [name, c] of Object.entries(resolved)) {
      const pc = new analyzerPb.PolicyConfig();
      pc.setEnforcementlevel(LEVEL_TO_PB[c.enforcementLevel ?? "advisory"]);
      pc.setProperties(structPb.Struct.fromJavaScript(c.properties));
      map.set(name, pc);
    }
    await this.call("configure", req);
  }

  private options() {
    const o = new analyzerPb.AnalyzerResourceOptions();
    o.setProtect(false);
    o.setCustomtimeouts(new analyzerPb.AnalyzerResourceOptions.CustomTimeouts());
    return o;
  }

  private provider(r: HarnessResource) {
    if (!r.provider) return undefined;
    const p = new analyzerPb.AnalyzerProviderResource();
    p.setType(r.provider.type);
    p.setProperties(structPb.Struct.fromJavaScript(r.provider.props));
    p.setUrn(r.provider.urn);
    p.setName(r.provider.name);
    return p;
  }

  private diagnostics(res: any, resourceUrn?: string): Omit<Diagnostic, "detail">[] {
    return res.getDiagnosticsList().map((d: any) => ({
      policyName: d.getPolicyname(),
      policyPackName: d.getPolicypackname(),
      policyPackVersion: d.getPolicypackversion(),
      description: d.getDescription(),
      message: d.getMessage(),
      enforcementLevel: PB_TO_LEVEL[d.getEnforcementlevel()],
      urn: d.getUrn() || resourceUrn,
    }));
  }

  /** Analyze for each resource, then AnalyzeStack over all of them: a preview's sequence. */
  async analyzeAll(resources: readonly HarnessResource[]): Promise<Omit<Diagnostic, "detail">[]> {
    const out: Omit<Diagnostic, "detail">[] = [];
    for (const r of resources) {
      const req = new analyzerPb.AnalyzeRequest();
      req.setType(r.type);
      req.setProperties(structPb.Struct.fromJavaScript(r.props));
      req.setUrn(r.urn);
      req.setName(r.name);
      req.setOptions(this.options());
      const p = this.provider(r);
      if (p) req.setProvider(p);
      out.push(...this.diagnostics(await this.call("analyze", req), r.urn));
    }
    const stack = new analyzerPb.AnalyzeStackRequest();
    stack.setResourcesList(
      resources.map((r) => {
        const a = new analyzerPb.AnalyzerResource();
        a.setType(r.type);
        a.setProperties(structPb.Struct.fromJavaScript(r.props));
        a.setUrn(r.urn);
        a.setName(r.name);
        a.setOptions(this.options());
        const p = this.provider(r);
        if (p) a.setProvider(p);
        return a;
      }),
    );
    out.push(...this.diagnostics(await this.call("analyzeStack", stack)));
    return out;
  }

  /** Ends the process (and waits for it); safe to call twice. */
  async stop(): Promise<void> {
    this.client.close?.();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => this.child.kill("SIGKILL"), 5000);
      this.child.once("exit", () => {
        clearTimeout(t);
        resolve();
      });
      this.child.kill("SIGTERM");
    });
  }
}
