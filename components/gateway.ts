// OpenClawGateway: the gateway on Kubernetes as one component. The objects
// themselves are plain data from manifests/; this file only registers them.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GatewaySettings } from "./config";
import { GATEWAY } from "../policy-pack/rules/names";
import { buildManifests, READINESS_PERIOD_SECONDS, type GatewayManifests, type K8sObject } from "./manifests";

/**
 * The longest a healthy rollout takes: pods come up one at a time (maxSurge 1, or
 * Recreate), each within the startupProbe's grace plus one readiness period, and a
 * minute for scheduling and the old pods' hand-over. Measured on the dev cluster: a
 * cold start of 10–40 s per pod, so a healthy rollout finishes well inside this.
 */
export function rolloutTimeoutSeconds(s: GatewaySettings): number {
  const grace = s.startup.periodSeconds * s.startup.failureThreshold;
  return s.config.replicas * (grace + READINESS_PERIOD_SECONDS) + 60;
}

export interface OpenClawGatewayArgs {
  settings: GatewaySettings;
  /** The gateway token; kept a secret end to end. */
  token: pulumi.Input<string>;
  provider: k8s.Provider;
}

export class OpenClawGateway extends pulumi.ComponentResource {
  declare public readonly namespace: pulumi.Output<string>;
  declare public readonly deploymentName: pulumi.Output<string>;
  declare public readonly serviceName: pulumi.Output<string | undefined>;
  declare public readonly serviceHost: pulumi.Output<string | undefined>;
  declare public readonly configChecksum: pulumi.Output<string>;
  /** The plain objects this component registered (token excluded), for evidence and tests. */
  public readonly manifests: GatewayManifests;
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly service?: k8s.core.v1.Service;
  public readonly networkPolicy: k8s.networking.v1.NetworkPolicy;
  public readonly ingress?: k8s.networking.v1.Ingress;

  constructor(name: string, args: OpenClawGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openclaw:k8s:Gateway", name, {}, opts);
    const m = buildManifests(args.settings);
    this.manifests = m;
    const base: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };

    const namespace = m.namespace ? new k8s.core.v1.Namespace(`${name}-namespace`, m.namespace, base) : undefined;
    const inNamespace: pulumi.CustomResourceOptions = { ...base, dependsOn: namespace ? [namespace] : [] };
    // The one conversion from the Kubernetes API's types (kubernetes-types 1.30, what the manifests
    // are written in) to the provider's Args (Input<> around every field, and a newer schema that
    // makes a few fields required that the manifests never set, e.g. HostAlias.ip).
    const child = <A, T>(Ctor: new (n: string, a: A, o: pulumi.CustomResourceOptions) => T, suffix: string, obj: K8sObject, opts = inNamespace): T =>
      new Ctor(`${name}-${suffix}`, obj as unknown as A, opts);

    const serviceAccount = child(k8s.core.v1.ServiceAccount, "serviceaccount", m.serviceAccount);
    const configMap = child(k8s.core.v1.ConfigMap, "config", m.configMap);
    const secret = new k8s.core.v1.Secret(
      `${name}-token`,
      { ...m.secret, stringData: { [GATEWAY.tokenSecretKey]: pulumi.secret(args.token) } },
      { ...inNamespace, additionalSecretOutputs: ["data", "stringData"] },
    );
    const claim = m.stateClaim ? child(k8s.core.v1.PersistentVolumeClaim, "state", m.stateClaim) : undefined;

    const rollout = `${rolloutTimeoutSeconds(args.settings)}s`;
    this.deployment = child(k8s.apps.v1.Deployment, "deployment", m.deployment, {
      ...inNamespace,
      dependsOn: [...(namespace ? [namespace] : []), serviceAccount, configMap, secret, ...(claim ? [claim] : [])],
      // A pod that crash-loops or is OOM-killed at start never becomes Ready: fail `pulumi up`
      // once a healthy rollout would have finished, not after the provider's default 10 minutes.
      customTimeouts: { create: rollout, update: rollout },
    });
    // The provider's await for a Service (and an Ingress) waits for ready endpoints, which exist
    // only once a pod is Ready: the same budget, or a crash-looping first rollout holds `pulumi up`
    // for the provider's 10 minutes (seen with an Ingress on the local cluster: 607 s).
    const untilPodsReady = { customTimeouts: { create: rollout, update: rollout } };
    this.service = m.service ? child(k8s.core.v1.Service, "service", m.service, { ...inNamespace, ...untilPodsReady }) : undefined;
    this.networkPolicy = child(k8s.networking.v1.NetworkPolicy, "networkpolicy", m.networkPolicy);
    if (m.podDisruptionBudget) child(k8s.policy.v1.PodDisruptionBudget, "pdb", m.podDisruptionBudget);
    // After the Service: the provider's await checks that the backend Service exists and
    // waits until the controller publishes the Ingress's address.
    this.ingress = m.ingress
      ? child(k8s.networking.v1.Ingress, "ingress", m.ingress, { ...inNamespace, ...untilPodsReady, dependsOn: [...(namespace ? [namespace] : []), this.service!] })
      : undefined;

    this.namespace = pulumi.output(args.settings.config.namespace);
    this.deploymentName = this.deployment.metadata.name;
    this.serviceName = this.service ? this.service.metadata.name : pulumi.output(undefined);
    this.serviceHost = pulumi.output(m.derived.serviceHost);
    this.configChecksum = pulumi.output(m.derived.configChecksum);
    this.registerOutputs({
      namespace: this.namespace,
      deploymentName: this.deploymentName,
      serviceName: this.serviceName,
      serviceHost: this.serviceHost,
      configChecksum: this.configChecksum,
    });
  }
}
