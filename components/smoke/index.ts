// GatewaySmokeCheck: runbook step 5 as part of `pulumi up`. After the
// Deployment and Service are ready it runs the checks through two paths —
// kubectl port-forward (127.0.0.1 inside the pod) and an in-cluster Job (the
// Service DNS name, i.e. real traffic) — and fails the update with evidence and
// a diagnosis when they do not both pass. Pulumi's own Service await never dials
// the port (docs/facts.md §2), so without this a loopback-bound gateway deploys green.
import * as pulumi from "@pulumi/pulumi";
import { GATEWAY } from "../../policy-pack/rules/names";
import { smokeBundle } from "./bundle";
import type { IngressTarget } from "./ingress";
import type { SmokeRecord } from "./record";
import { smokeProvider, type SmokeInputs } from "./provider";

export type { SmokeRecord } from "./record";

export interface GatewaySmokeCheckArgs {
  namespace: pulumi.Input<string>;
  serviceName: pulumi.Input<string>;
  /** The gateway port (containerPort; the Service port and targetPort follow it). */
  port: pulumi.Input<number>;
  deploymentName: pulumi.Input<string>;
  /** The pinned image `repo[:tag]@sha256:<hex>`; the Job runs its `node`. A change re-runs the checks. */
  image: pulumi.Input<string>;
  /** The values hash of the change ticket. A change re-runs the checks. */
  valuesHash: pulumi.Input<string>;
  /**
   * The gateway's Secret and key holding the token. Both paths read the token
   * there (the Job through secretKeyRef, port-forward through kubectl), so it
   * lives only in that Secret: never in this component's inputs, state, evidence
   * or errors, and the checks prove the token the pods actually get. Default:
   * the program's own (GATEWAY in policy-pack/rules/names.ts).
   */
  tokenSecretName?: pulumi.Input<string>;
  tokenSecretKey?: pulumi.Input<string>;
  /** Kubeconfig text for kubectl (a secret); default: kubectl's own ($KUBECONFIG, ~/.kube/config). */
  kubeconfig?: pulumi.Input<string>;
  context?: pulumi.Input<string>;
  /** Time each path may take, retries included; cover the cold start. */
  budgetSeconds: pulumi.Input<number>;
  /** What was deployed, so the diagnosis can name it outright. */
  bind?: pulumi.Input<string>;
  /** The Deployment and Service (and NetworkPolicy): the checks run after Pulumi's await on them. */
  waitFor?: pulumi.Resource[];
  /** kubectl binary; default `kubectl` on PATH. */
  kubectl?: string;
  /**
   * The Ingress in front of the Service: a third path through `https://<host>`,
   * resolved to the controller's address, TLS verified against the CA bundle.
   */
  ingress?: pulumi.Input<IngressTarget>;
}

/** The dynamic resource; its state holds the triggers and the last evidence record. */
class SmokeRun extends pulumi.dynamic.Resource {
  declare public readonly image: pulumi.Output<string>;
  declare public readonly valuesHash: pulumi.Output<string>;
  declare public readonly verdict: pulumi.Output<string>;
  declare public readonly signedOff: pulumi.Output<boolean>;
  declare public readonly record: pulumi.Output<SmokeRecord>;

  constructor(name: string, inputs: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super(
      smokeProvider(smokeBundle()),
      name,
      { ...inputs, verdict: undefined, signedOff: undefined, record: undefined },
      // The kubeconfig input stays a secret in state; outputs never contain it.
      { ...opts, additionalSecretOutputs: ["kubeconfig"] },
      "openclaw",
      "SmokeRun",
    );
  }
}

export class GatewaySmokeCheck extends pulumi.ComponentResource {
  /** The evidence record for the change ticket (both paths, verdict, how to repeat). */
  declare public readonly evidence: pulumi.Output<SmokeRecord>;
  /** `signed-off` after a run; unknown in the preview of a change (the log says the checks did not run). */
  declare public readonly status: pulumi.Output<string>;

  constructor(name: string, args: GatewaySmokeCheckArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openclaw:smoke:Check", name, {}, opts);
    const budgetMs = pulumi.output(args.budgetSeconds).apply((s) => Math.round(s * 1000));
    const inputs: { [K in keyof SmokeInputs]: pulumi.Input<SmokeInputs[K]> } = {
      namespace: args.namespace,
      serviceName: args.serviceName,
      deploymentName: args.deploymentName,
      port: args.port,
      image: args.image,
      valuesHash: args.valuesHash,
      tokenSecretName: args.tokenSecretName ?? GATEWAY.tokenSecretName,
      tokenSecretKey: args.tokenSecretKey ?? GATEWAY.tokenSecretKey,
      budgetMs,
      ...(args.kubeconfig !== undefined ? { kubeconfig: pulumi.secret(args.kubeconfig) } : {}),
      ...(args.context !== undefined ? { context: args.context } : {}),
      ...(args.kubectl !== undefined ? { kubectl: args.kubectl } : {}),
      ...(args.bind !== undefined ? { bind: args.bind } : {}),
      ...(args.ingress !== undefined ? { ingress: args.ingress } : {}),
      containerPort: args.port,
    };
    const run = new SmokeRun(`${name}-run`, inputs, {
      parent: this,
      dependsOn: args.waitFor,
      // A run is two kubectl paths with retries inside the budget; allow for Job scheduling on top.
      customTimeouts: { create: "20m", update: "20m" },
    });

    if (pulumi.runtime.isDryRun()) {
      pulumi.log.info(
        "smoke checks do not run in preview; `pulumi up` runs them after the Deployment and Service are ready, and again only when the image digest or values hash changes",
        this,
      );
    }
    this.evidence = run.record;
    // In a preview of a change this is unknown (the run happens in `pulumi up`); unchanged, it is the last verdict.
    this.status = run.verdict;
    this.registerOutputs({ evidence: this.evidence, status: this.status });
  }
}
