// The Kubernetes objects of one gateway, as plain data derived from the parsed
// config. No Pulumi here: the component registers these, the tests validate
// them against the upstream schema, and the policy rules read the same shapes.
// Every value is written once (port, labels, names) and derived everywhere else:
//   context.ts   labels, annotations, the gateway's config file, what every object shares
//   probes.ts    the three probes and their words (HEALTH in policy-pack/rules/names.ts)
//   workload.ts  container, Deployment, PodDisruptionBudget
//   network.ts   Service, NetworkPolicy, Ingress
// Types only from kubernetes-types (erased at run time): the Kubernetes API's own shapes.
import type { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service, ServiceAccount } from "kubernetes-types/core/v1";
import type { ObjectMeta } from "kubernetes-types/meta/v1";
import type { Ingress, NetworkPolicy } from "kubernetes-types/networking/v1";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1";
import { GATEWAY, IMAGE } from "../../policy-pack/rules/names";
import type { GatewaySettings } from "../config";
import { manifestContext, type ManifestContext, type Named } from "./context";
import { gatewayIngress, gatewayNetworkPolicy, gatewayService } from "./network";
import { gatewayProbes } from "./probes";
import { gatewayDeployment, gatewayDisruptionBudget, type GatewayDeployment } from "./workload";

export { loopbackProbeCommand, READINESS_PERIOD_SECONDS } from "./probes";

const APP_NAME = GATEWAY.appName;

/** Any object of this program, as the engine and the checkers see them. */
export type K8sObject = Named<{ metadata?: ObjectMeta }>;

export interface GatewayManifests {
  namespace?: Named<Namespace>;
  serviceAccount: Named<ServiceAccount>;
  configMap: Named<ConfigMap>;
  /** Without data: the component adds the token as a secret output. */
  secret: Named<Secret>;
  stateClaim?: Named<PersistentVolumeClaim>;
  deployment: GatewayDeployment;
  service?: Named<Service>;
  networkPolicy: Named<NetworkPolicy>;
  podDisruptionBudget?: Named<PodDisruptionBudget>;
  /** With `ingress` set: an Ingress routing the hosts to the Service's named port, with TLS. */
  ingress?: Named<Ingress>;
  /** The values other parts (ticket, smoke checks, policies) need. */
  derived: {
    selectorLabels: Record<string, string>;
    configJson: string;
    configChecksum: string;
    serviceHost?: string;
    /** The Ingress's hosts and TLS Secret, when there is one. */
    ingress?: { name: string; hosts: string[]; tlsSecretName: string };
    /** Each probe in words, written where the probe is built: what is dialled, from where (the change ticket shows it). */
    probes: { startup: string; readiness: string; liveness: string };
  };
}

/** With createNamespace: the namespace, enforcing the "restricted" Pod Security Standard the pods meet. */
function namespaceObject(x: ManifestContext): Named<Namespace> | undefined {
  if (!x.c.createNamespace) return undefined;
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: x.ns,
      labels: { ...x.labels, "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" },
    },
  };
}

function stateClaimObject(x: ManifestContext): Named<PersistentVolumeClaim> | undefined {
  const sv = x.c.stateVolume;
  if (sv.type !== "pvc") return undefined;
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: x.meta(`${APP_NAME}-state`),
    spec: {
      accessModes: [sv.accessMode],
      resources: { requests: { storage: sv.size } },
      ...(sv.storageClass ? { storageClassName: sv.storageClass } : {}),
    },
  };
}

export function buildManifests(s: GatewaySettings): GatewayManifests {
  const x = manifestContext(s);
  const serviceAccount: Named<ServiceAccount> = { apiVersion: "v1", kind: "ServiceAccount", metadata: x.meta(APP_NAME), automountServiceAccountToken: false };
  const configMap: Named<ConfigMap> = { apiVersion: "v1", kind: "ConfigMap", metadata: x.meta(`${APP_NAME}-config`), data: { [IMAGE.configFile]: x.configJson } };
  const secret: Named<Secret> = { apiVersion: "v1", kind: "Secret", metadata: x.meta(GATEWAY.tokenSecretName), type: "Opaque" };
  const stateClaim = stateClaimObject(x);
  const probes = gatewayProbes(s);
  const deployment = gatewayDeployment(x, probes, {
    serviceAccount: serviceAccount.metadata.name,
    configMap: configMap.metadata.name,
    tokenSecret: secret.metadata.name,
    stateClaim: stateClaim?.metadata.name,
  });
  const service = gatewayService(x);
  const ingress = gatewayIngress(x, service);
  return {
    namespace: namespaceObject(x),
    serviceAccount,
    configMap,
    secret,
    stateClaim,
    deployment,
    service,
    networkPolicy: gatewayNetworkPolicy(x),
    podDisruptionBudget: gatewayDisruptionBudget(x),
    ingress: ingress?.object,
    derived: {
      selectorLabels: x.selectorLabels,
      configJson: x.configJson,
      configChecksum: x.configChecksum,
      serviceHost: service ? `${service.metadata.name}.${x.ns}.svc.cluster.local` : undefined,
      ingress: ingress ? { name: ingress.object.metadata.name, hosts: ingress.hosts, tlsSecretName: ingress.tlsSecretName } : undefined,
      probes: probes.text,
    },
  };
}

/** All objects in apply order, for tests, rendering and the manifest checker. */
export function allObjects(m: GatewayManifests): K8sObject[] {
  const all: Array<K8sObject | undefined> = [m.namespace, m.serviceAccount, m.configMap, m.secret, m.stateClaim, m.deployment, m.service, m.networkPolicy, m.podDisruptionBudget, m.ingress];
  return all.filter((o): o is K8sObject => o !== undefined);
}
