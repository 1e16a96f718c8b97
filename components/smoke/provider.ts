// The dynamic provider that runs both smoke paths during `pulumi up`.
//
// Pulumi serializes this provider by capturing closures (docs/facts.md §2). So it
// captures plain data only: the bundled smoke library as a string (bundle.ts,
// the same text the in-cluster Job runs) and the functions below, which
// `require()` Node built-ins inside their bodies, and evaluateCommonJs (../commonjs.ts,
// which imports nothing). Everything else imported here is a type.
import type * as pulumi from "@pulumi/pulumi";
import { evaluateCommonJs } from "../commonjs";
import type * as Smoke from "./job";
import type { SmokeRecord } from "./record";
import type { ClusterTarget } from "./target";

/**
 * Inputs the dynamic resource receives. No token: the provider reads it from the
 * gateway's Secret at run time, so it never enters this resource's state.
 */
export interface SmokeInputs extends Omit<ClusterTarget, "runId"> {
  /** sha256 of the effective config: a trigger (the image digest is the other). */
  valuesHash: string;
  /** Diagnosis context: what was deployed. */
  bind?: string;
  containerPort?: number;
  targetPort?: number;
}

/** Outputs (the state): the triggers, the verdict and the evidence record. No token, no kubeconfig. */
interface SmokeOutputs {
  image: string;
  valuesHash: string;
  verdict: string;
  signedOff: boolean;
  record: SmokeRecord;
}

/** Builds the provider around a bundle text (smokeBundle()). */
export function smokeProvider(bundle: string): pulumi.dynamic.ResourceProvider {
  const triggers = ["image", "valuesHash"];

  const load = () => evaluateCommonJs(bundle, "openclaw-smoke-bundle") as typeof Smoke;

  function validate(news: Record<string, unknown>): Array<{ property: string; reason: string }> {
    const failures: Array<{ property: string; reason: string }> = [];
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; // the engine's placeholder for values known only after apply
    const str = (k: string) => {
      const v = news[k];
      if (v === unknown) return;
      if (typeof v !== "string" || v === "") failures.push({ property: k, reason: `${k} must be a non-empty string` });
    };
    ["namespace", "serviceName", "deploymentName", "valuesHash", "tokenSecretName", "tokenSecretKey"].forEach(str);
    if (news.image !== unknown && !/^[^@\s]+@sha256:[a-f0-9]{64}$/.test(String(news.image))) {
      failures.push({ property: "image", reason: `image must be pinned by digest (repo@sha256:<64 hex>); got ${JSON.stringify(news.image)}` });
    }
    if (news.port !== unknown && !(Number.isInteger(news.port) && (news.port as number) > 0 && (news.port as number) < 65536)) {
      failures.push({ property: "port", reason: `port must be 1-65535; got ${JSON.stringify(news.port)}` });
    }
    if (news.budgetMs !== unknown && !(typeof news.budgetMs === "number" && news.budgetMs >= 1000)) {
      failures.push({ property: "budgetMs", reason: `budgetMs must be at least 1000; got ${JSON.stringify(news.budgetMs)}` });
    }
    const ing = news.ingress as unknown;
    if (ing !== undefined && ing !== unknown && typeof ing === "object" && ing !== null && !Object.values(ing).includes(unknown)) {
      const problem = load().ingressTargetProblem(ing);
      if (problem) failures.push({ property: "ingress", reason: problem });
    }
    return failures;
  }

  async function run(inputs: SmokeInputs): Promise<SmokeOutputs> {
    const lib = load();
    const crypto = require("crypto");
    const runId = `${crypto.createHash("sha256").update(`${inputs.image}\n${inputs.valuesHash}`).digest("hex").slice(0, 10)}-${Date.now().toString(36).slice(-5)}`;
    const target: ClusterTarget = {
      namespace: inputs.namespace,
      serviceName: inputs.serviceName,
      deploymentName: inputs.deploymentName,
      port: inputs.port,
      image: inputs.image,
      tokenSecretName: inputs.tokenSecretName,
      tokenSecretKey: inputs.tokenSecretKey,
      budgetMs: inputs.budgetMs,
      kubeconfig: inputs.kubeconfig || undefined,
      context: inputs.context || undefined,
      kubectl: inputs.kubectl || undefined,
      runId,
      ...(inputs.ingress ? { ingress: inputs.ingress } : {}),
    };
    const result = await lib.runBothPaths(target, undefined, bundle, {
      bind: inputs.bind,
      containerPort: inputs.containerPort,
      targetPort: inputs.targetPort,
    });
    const token = result.token ?? "";
    const record = lib.smokeRecord(target, result, inputs.valuesHash, token);
    if (!record.signedOff) {
      // Fails `pulumi up`: evidence and diagnosis in the error, the token redacted from all of it.
      throw new Error(lib.smokeFailureMessage(record, token));
    }
    return { image: inputs.image, valuesHash: inputs.valuesHash, verdict: record.verdict, signedOff: record.signedOff, record };
  }

  return {
    async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
      return { inputs: news, failures: validate(news) };
    },
    // `olds` are the outputs of the last successful run: they carry the triggers.
    async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
      const changed = triggers.filter((k) => olds[k] !== news[k]);
      return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs: Record<string, unknown>) {
      const outs = await run(inputs as unknown as SmokeInputs);
      return { id: `smoke-${outs.record.ranAt}`, outs };
    },
    async update(_id: string, _olds: Record<string, unknown>, news: Record<string, unknown>) {
      return { outs: await run(news as unknown as SmokeInputs) };
    },
    // Nothing to remove: each run deletes its Job and ConfigMap (and the Job has a TTL).
    async delete() {},
  };
}
