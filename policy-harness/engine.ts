// An in-process mirror of how the Pulumi engine runs a policy pack (@pulumi/policy
// 1.21.0 server.js and the CLI's config handling), for tests, the manifest checker and
// the benchmark. What it mirrors, because hand-made harnesses miss it (pulumi-policy#445):
//   - enforcement level: the policy's entry in the config file, else "all", else the
//     policy's default, else the pack's ("advisory"); "remediate" reports as mandatory;
//     "disabled" policies do not run;
//   - a violation's message is description + "\n" + message;
//   - args.notApplicable throws, and the policy is recorded as not applicable;
//   - props are a fresh copy per validation wrapped in the engine's unknown-checking proxy;
//     reading an unknown value throws UnknownValueError, reported as an advisory
//     "can't run policy '<name>' from policy pack '<pack>@v<version>' during preview: ...";
//   - any other exception fails the whole analysis, as it fails the engine's RPC.
// The real engine is exercised by test/process/policy/pack-process.process.test.ts against the same verdicts.

import type { EnforcementLevel, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import type { OpenClawPolicy } from "../policy-pack/policies/framework";
import { UnknownValueError, unknownCheckingProxy } from "../policy-pack/policies/engine";
import { validateConfigFile, type PackConfigFile, type ResolvedPolicyConfig, resolveConfig } from "./config";
import { setPackRecognition } from "../policy-pack/model/gateway";

export interface HarnessResource {
  type: string;
  props: Record<string, unknown>;
  urn: string;
  name: string;
  provider?: { type: string; props: Record<string, unknown>; urn: string; name: string };
  parent?: string;
  dependencies?: string[];
}

export interface Diagnostic {
  policyName: string;
  policyPackName: string;
  policyPackVersion: string;
  description: string;
  /** description + "\n" + detail, as the engine builds it. */
  message: string;
  /** What the policy passed to reportViolation (starts with Kind/namespace/name). */
  detail: string;
  enforcementLevel: EnforcementLevel;
  urn?: string;
}

export interface AnalysisResult {
  diagnostics: Diagnostic[];
  notApplicable: { policyName: string; urn?: string; reason?: string }[];
}

export interface PackIdentity {
  name: string;
  version: string;
}

class NotApplicableError extends Error {
  constructor(readonly reason?: string) {
    super(reason ?? "Policy does not apply");
  }
}

const throwNotApplicable = (reason?: string): never => {
  throw new NotApplicableError(reason);
};

/** A JSON copy: what the engine's deserialization yields for plain data. */
function copy<T>(v: T): T {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(copy) as T;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = copy(x);
  return out as T;
}

const OPTS = {
  protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
};

export function analyze(
  policies: readonly OpenClawPolicy[],
  resources: readonly HarnessResource[],
  configFile: PackConfigFile = {},
  pack: PackIdentity = { name: "openclaw-gateway", version: "0.1.0" },
): AnalysisResult {
  const errors = validateConfigFile(policies, configFile);
  if (errors.length > 0) throw new Error(`invalid policy pack config:\n  ${errors.join("\n  ")}`);
  const resolved = resolveConfig(policies, configFile);
  return analyzeResolved(policies, resources, resolved, pack);
}

/** Runs with config already resolved per policy (what the CLI sends in `Configure`). */
function analyzeResolved(
  policies: readonly OpenClawPolicy[],
  resources: readonly HarnessResource[],
  resolved: Record<string, ResolvedPolicyConfig>,
  pack: PackIdentity,
): AnalysisResult {
  const diagnostics: Diagnostic[] = [];
  const notApplicable: AnalysisResult["notApplicable"] = [];
  // A fresh run: the gateway-recognition policy (when in the list) sets it again from its config.
  setPackRecognition(undefined);
  const levelOf = (p: OpenClawPolicy): EnforcementLevel => resolved[p.name]?.enforcementLevel ?? p.enforcementLevel ?? "advisory";
  const getConfig = (p: OpenClawPolicy) => () => copy(resolved[p.name]?.properties ?? {}) as never;
  const from = (p: OpenClawPolicy) => `policy '${p.name}' from policy pack '${pack.name}@v${pack.version}'`;
  // For a resource validation the CLI attributes a diagnostic without a URN to the resource analyzed.
  const reporter = (p: OpenClawPolicy, level: EnforcementLevel, resourceUrn?: string): ReportViolation => (detail: string, urn?: string) => {
    diagnostics.push({
      policyName: p.name, policyPackName: pack.name, policyPackVersion: pack.version, description: p.description,
      message: detail ? `${p.description}\n${detail}` : p.description, detail: detail ?? "", enforcementLevel: level, urn: urn ?? resourceUrn,
    });
  };
  const handle = (p: OpenClawPolicy, e: unknown, urn?: string) => {
    if (e instanceof UnknownValueError) {
      diagnostics.push({
        policyName: p.name, policyPackName: pack.name, policyPackVersion: pack.version, description: p.description,
        message: `can't run ${from(p)} during preview: ${e.message}`, detail: e.message, enforcementLevel: "advisory", urn,
      });
    } else if (e instanceof NotApplicableError) {
      notApplicable.push({ policyName: p.name, urn, reason: e.reason });
    } else {
      const err = e as Error;
      throw new Error(`Error validating resource with ${from(p)}:\n${err?.stack ?? String(e)}`);
    }
  };

  for (const r of resources) {
    for (const p of policies) {
      let level = levelOf(p);
      if (level === "disabled" || !("validateResource" in p) || !p.validateResource) continue;
      if (level === "remediate") level = "mandatory";
      const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
      for (const validate of validations) {
        try {
          const props = unknownCheckingProxy(copy(r.props));
          const args: ResourceValidationArgs = {
            type: r.type, props, urn: r.urn, name: r.name, opts: OPTS, stackTags: new Map(),
            isType: () => false, asType: () => undefined, getConfig: getConfig(p), notApplicable: throwNotApplicable,
          } as unknown as ResourceValidationArgs;
          if (r.provider) args.provider = { ...r.provider, props: unknownCheckingProxy(copy(r.provider.props)) };
          validate(args, reporter(p, level, r.urn));
        } catch (e) {
          handle(p, e, r.urn);
        }
      }
    }
  }

  for (const p of policies) {
    let level = levelOf(p);
    if (level === "disabled" || !("validateStack" in p) || !p.validateStack) continue;
    if (level === "remediate") level = "mandatory";
    try {
      const byUrn = new Map<string, Record<string, unknown>>();
      const list = resources.map((r) => {
        const props = unknownCheckingProxy(copy(r.props));
        const res: Record<string, unknown> = {
          type: r.type, props, urn: r.urn, name: r.name, opts: OPTS, dependencies: [], propertyDependencies: {},
          isType: () => false, asType: () => undefined,
        };
        if (r.provider) res.provider = { ...r.provider, props: unknownCheckingProxy(copy(r.provider.props)) };
        byUrn.set(r.urn, res);
        return res;
      });
      resources.forEach((r, i) => {
        if (r.parent && byUrn.has(r.parent)) list[i].parent = byUrn.get(r.parent);
        list[i].dependencies = (r.dependencies ?? []).map((d) => byUrn.get(d)).filter(Boolean);
      });
      const args = { resources: list, getConfig: getConfig(p), stackTags: new Map(), notApplicable: throwNotApplicable } as unknown as StackValidationArgs;
      p.validateStack(args, reporter(p, level));
    } catch (e) {
      handle(p, e);
    }
  }
  return { diagnostics, notApplicable };
}

export const mandatory = (r: AnalysisResult) => r.diagnostics.filter((d) => d.enforcementLevel === "mandatory");
