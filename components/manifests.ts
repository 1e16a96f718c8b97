// The Kubernetes objects of one gateway, as plain data derived from the parsed
// config. No Pulumi here: the component registers these, the tests validate
// them against the upstream schema, and the policy rules read the same shapes.
// Every value is written once (port, labels, names) and derived everywhere else.
import { createHash } from "node:crypto";
// Types only (erased at run time): the Kubernetes API's own shapes.
import type { Deployment, DeploymentSpec } from "kubernetes-types/apps/v1";
import type { ConfigMap, Container, Namespace, PersistentVolumeClaim, Secret, Service, ServiceAccount } from "kubernetes-types/core/v1";
import type { ObjectMeta } from "kubernetes-types/meta/v1";
import type { Ingress, NetworkPolicy } from "kubernetes-types/networking/v1";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1";
import { CONTROLLER_SOURCE_ANNOTATION } from "../policy-pack/rules/ingress";
import { ANNOTATIONS, GATEWAY, HEALTH, IMAGE, SMOKE, selectorLabels as gatewaySelector } from "../policy-pack/rules/names";
import { parseMemory } from "../policy-pack/rules/quantity";
import { effectiveTrustedProxies, type GatewaySettings } from "./config";

export const READINESS_PERIOD_SECONDS = 10;
const { appName: APP_NAME, containerName: CONTAINER_NAME, portName: PORT_NAME, configDir: CONFIG_DIR } = GATEWAY;

/** A Kubernetes object of this program: typed by kubernetes-types, always named. */
type Named<T extends { metadata?: ObjectMeta }> = T & { apiVersion: string; kind: string; metadata: ObjectMeta & { name: string } };
/** Any of them, as the engine and the checkers see them. */
export type K8sObject = Named<{ metadata?: ObjectMeta }>;

export interface GatewayManifests {
  namespace?: Named<Namespace>;
  serviceAccount: Named<ServiceAccount>;
  configMap: Named<ConfigMap>;
  /** Without data: the component adds the token as a secret output. */
  secret: Named<Secret>;
  stateClaim?: Named<PersistentVolumeClaim>;
  deployment: Named<Deployment> & { spec: DeploymentSpec };
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

/** The gateway's own config file: gateway.mode=local, port, bind, auth, trusted proxies (behind an Ingress), a writable log path. */
function gatewayConfigFile(s: GatewaySettings): string {
  const g = s.config.gateway;
  const trustedProxies = effectiveTrustedProxies(s.config);
  const doc = {
    gateway: { mode: "local", port: g.port, bind: g.bind, auth: { mode: g.auth }, ...(trustedProxies ? { trustedProxies } : {}) },
    // /tmp is an emptyDir: the root filesystem is read-only.
    logging: { file: "/tmp/openclaw/openclaw.log" },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function buildManifests(s: GatewaySettings): GatewayManifests {
  const c = s.config;
  const ns = c.namespace;
  const selectorLabels = gatewaySelector(c.environment);
  const labels: Record<string, string> = {
    ...c.labels,
    ...selectorLabels,
    "app.kubernetes.io/component": GATEWAY.component,
    "app.kubernetes.io/part-of": "openclaw",
    "app.kubernetes.io/version": c.image.release,
    "app.kubernetes.io/managed-by": "pulumi",
  };
  const meta = (name: string, extra: Partial<ObjectMeta> = {}) => ({ name, namespace: ns, labels, ...extra });

  const configJson = gatewayConfigFile(s);
  const configChecksum = createHash("sha256").update(configJson).digest("hex");

  const annotations: Record<string, string> = {
    [ANNOTATIONS.p95]: c.resources.observed.p95WorkingSet,
    [ANNOTATIONS.bootPeak]: c.resources.observed.bootPeak,
    [ANNOTATIONS.coldStart]: String(c.gateway.coldStartSeconds),
    [ANNOTATIONS.kubeletCidrs]: c.network.kubeletCidrs.join(","),
    [ANNOTATIONS.ingressSources]: JSON.stringify(c.network.ingressSources),
    [ANNOTATIONS.release]: c.image.release,
    [ANNOTATIONS.buildId]: c.image.buildId,
  };
  if (c.resources.headroom) {
    annotations[ANNOTATIONS.minRatio] = String(c.resources.headroom.minRatio);
    annotations[ANNOTATIONS.maxRatio] = String(c.resources.headroom.maxRatio);
    annotations[ANNOTATIONS.reason] = c.resources.headroom.reason;
  }

  const namespace: Named<Namespace> | undefined = c.createNamespace
    ? {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
          name: ns,
          labels: {
            ...labels,
            // The gateway pods meet the "restricted" Pod Security Standard; let the namespace enforce it.
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
          },
        },
      }
    : undefined;

  const serviceAccount: Named<ServiceAccount> = { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(APP_NAME), automountServiceAccountToken: false };
  const configMap: Named<ConfigMap> = { apiVersion: "v1", kind: "ConfigMap", metadata: meta(`${APP_NAME}-config`), data: { [IMAGE.configFile]: configJson } };
  const secret: Named<Secret> = { apiVersion: "v1", kind: "Secret", metadata: meta(GATEWAY.tokenSecretName), type: "Opaque" };

  const sv = c.stateVolume;
  const stateClaim: Named<PersistentVolumeClaim> | undefined = sv.type === "pvc"
    ? {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: meta(`${APP_NAME}-state`),
        spec: {
          accessModes: [sv.accessMode],
          resources: { requests: { storage: sv.size } },
          ...(sv.storageClass ? { storageClassName: sv.storageClass } : {}),
        },
      }
    : undefined;

  const port = c.gateway.port;
  // Ephemeral storage: the /tmp emptyDir, an emptyDir state volume and the
  // container logs all count against it; bound it so a runaway log cannot evict the node's other pods.
  const tmpSize = "256Mi";
  const MI = 2 ** 20;
  const ephemeralLimitMi = 256 + 256 + 512 + (sv.type === "emptyDir" ? Math.ceil(parseMemory(sv.sizeLimit)! / MI) : 0);
  // Probes go where real traffic goes. With bind=lan that is the pod IP, which the
  // kubelet's httpGet dials. With bind=loopback (no Service; same-pod sidecars only)
  // real traffic arrives on 127.0.0.1, which the kubelet cannot reach: the probe
  // then runs inside the pod against 127.0.0.1 and reads the JSON body, because
  // every unknown path answers 200 with the Control UI page (docs/facts.md §1).
  const httpProbe = (probe: keyof typeof HEALTH) =>
    c.gateway.bind === "lan"
      ? { httpGet: { path: HEALTH[probe].path, port: PORT_NAME, scheme: "HTTP" } }
      : { exec: { command: loopbackProbeCommand(port, probe) } };
  const probeText = (probe: keyof typeof HEALTH) =>
    c.gateway.bind === "lan"
      ? `httpGet ${HEALTH[probe].path} port ${PORT_NAME} (kubelet → pod IP)`
      : `exec in pod: GET ${loopbackUrl(port, HEALTH[probe].path)} and check the JSON body (loopback bind)`;
  const container: Container = {
    name: CONTAINER_NAME,
    image: c.image.ref,
    imagePullPolicy: "IfNotPresent",
    command: [...IMAGE.command],
    // Bind and port are always explicit: without --bind the gateway picks "auto",
    // which depends on container detection (docs/facts.md §1).
    args: ["gateway", "run", "--bind", c.gateway.bind, "--port", String(port)],
    ports: [{ name: PORT_NAME, containerPort: port, protocol: "TCP" }],
    env: [
      { name: "HOME", value: IMAGE.home },
      { name: "OPENCLAW_CONFIG_PATH", value: `${CONFIG_DIR}/${IMAGE.configFile}` },
      { name: "OPENCLAW_STATE_DIR", value: IMAGE.stateDir },
      { name: IMAGE.tokenEnv, valueFrom: { secretKeyRef: { name: secret.metadata.name, key: GATEWAY.tokenSecretKey } } },
      // V8 sizes its heap from host RAM, not the cgroup: cap it under the limit (openclaw #45160, #35773).
      { name: "NODE_OPTIONS", value: `--max-old-space-size=${s.memory.heapCapMiB}` },
    ],
    resources: {
      // derive() always sets both (canonical, exact forms).
      requests: { cpu: c.resources.cpuRequest, memory: c.resources.memoryRequest!, "ephemeral-storage": "256Mi" },
      limits: {
        memory: c.resources.memoryLimit!,
        ...(c.resources.cpuLimit ? { cpu: c.resources.cpuLimit } : {}),
        "ephemeral-storage": `${ephemeralLimitMi}Mi`,
      },
    },
    // Cold start (workspace and skills load) must not flip liveness: runbook §4.4, §5.
    startupProbe: { ...httpProbe("startup"), periodSeconds: s.startup.periodSeconds, failureThreshold: s.startup.failureThreshold, timeoutSeconds: 3 },
    // Same protocol, port and path family as real traffic (runbook §4.4); never exec.
    readinessProbe: { ...httpProbe("readiness"), periodSeconds: READINESS_PERIOD_SECONDS, timeoutSeconds: 3, failureThreshold: 3 },
    livenessProbe: { ...httpProbe("liveness"), periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: IMAGE.uid,
      runAsGroup: IMAGE.gid,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: [
      { name: "config", mountPath: CONFIG_DIR, readOnly: true },
      { name: "state", mountPath: IMAGE.stateDir },
      // The gateway writes /tmp/openclaw and /tmp/openclaw-state-locks-<uid> (docs/facts.md §1).
      { name: "tmp", mountPath: "/tmp" },
      // and its private temp dir under $HOME/.cache (openclaw-<uid>): on a read-only root it
      // exits 78 at start ("Unable to create fallback OpenClaw temp dir"), seen on the dev cluster.
      { name: "cache", mountPath: `${IMAGE.home}/.cache` },
    ],
  };

  const singleWriter = sv.type === "pvc" && sv.accessMode === "ReadWriteOnce";
  const deployment: GatewayManifests["deployment"] = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(APP_NAME, {
      annotations: {
        ...annotations,
        // The documented emergency path (`kubectl rollout undo`) makes kubectl the field manager
        // of the image and release fields; with server-side apply the next `pulumi up` (and even
        // `pulumi preview`) then fails with a field conflict instead of applying the stack's
        // image. This tells the provider to take its fields back, as the runbook expects once
        // image.ref names what runs (seen on the local cluster).
        "pulumi.com/patchForce": "true",
      },
    }),
    spec: {
      replicas: c.replicas,
      revisionHistoryLimit: 10,
      selector: { matchLabels: selectorLabels },
      // A single RWO volume cannot be mounted by the old and the new pod at once.
      strategy: singleWriter ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels,
          // A config change rolls the pods.
          annotations: { ...annotations, [ANNOTATIONS.configChecksum]: configChecksum },
        },
        spec: {
          serviceAccountName: serviceAccount.metadata.name,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: IMAGE.uid,
            runAsGroup: IMAGE.gid,
            fsGroup: IMAGE.gid,
            seccompProfile: { type: "RuntimeDefault" },
          },
          ...(c.replicas > 1
            ? {
                affinity: {
                  podAntiAffinity: {
                    preferredDuringSchedulingIgnoredDuringExecution: [
                      { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selectorLabels } } },
                    ],
                  },
                },
              }
            : {}),
          containers: [container],
          volumes: [
            { name: "config", configMap: { name: configMap.metadata.name } },
            sv.type === "pvc"
              ? { name: "state", persistentVolumeClaim: { claimName: stateClaim!.metadata.name } }
              : { name: "state", emptyDir: { sizeLimit: sv.sizeLimit } },
            { name: "tmp", emptyDir: { sizeLimit: tmpSize } },
            { name: "cache", emptyDir: { sizeLimit: tmpSize } },
          ],
        },
      },
    },
  };

  const service: Named<Service> | undefined = c.service.enabled
    ? {
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(APP_NAME),
        spec: {
          type: "ClusterIP",
          selector: selectorLabels,
          ports: [{ name: PORT_NAME, port, targetPort: PORT_NAME, protocol: "TCP" }],
        },
      }
    : undefined;

  const gatewayPort = [{ protocol: "TCP", port: PORT_NAME }];
  const networkPolicy: Named<NetworkPolicy> = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(APP_NAME),
    spec: {
      podSelector: { matchLabels: selectorLabels },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        { from: c.network.ingressSources.map(toPeer), ports: gatewayPort },
        // The kubelet probes from the node's address: drop it and pods go NotReady (runbook §2, §6).
        { from: c.network.kubeletCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: gatewayPort },
        // The in-cluster smoke Job's pods carry this label (components/smoke).
        { from: [{ podSelector: { matchLabels: { [SMOKE.clientLabel.key]: SMOKE.clientLabel.value } } }], ports: gatewayPort },
      ],
      egress: [
        ...(c.network.egress.dns
          ? [
              {
                to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                ports: [
                  { protocol: "UDP", port: 53 },
                  { protocol: "TCP", port: 53 },
                ],
              },
            ]
          : []),
        ...(c.network.egress.httpsCidrs.length
          ? [{ to: c.network.egress.httpsCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 443 }] }]
          : []),
      ],
    },
  };

  const podDisruptionBudget: Named<PodDisruptionBudget> | undefined = c.replicas > 1
    ? { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta(APP_NAME), spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels } } }
    : undefined;

  const ing = c.ingress && service ? c.ingress : undefined;
  const tlsSecretName = ing ? ("secretName" in ing.tls && ing.tls.secretName ? ing.tls.secretName : `${APP_NAME}-tls`) : "";
  const ingress: Named<Ingress> | undefined = ing
    ? {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: meta(APP_NAME, {
          annotations: {
            ...ing.annotations,
            // cert-manager's ingress-shim issues the certificate into tls.secretName from this annotation.
            ...("issuer" in ing.tls ? { [ing.tls.issuer.kind === "ClusterIssuer" ? "cert-manager.io/cluster-issuer" : "cert-manager.io/issuer"]: ing.tls.issuer.name } : {}),
            // What the NetworkPolicy must admit for this Ingress to reach the pods; the pack checks it.
            [CONTROLLER_SOURCE_ANNOTATION]: JSON.stringify(ing.controller),
          },
        }),
        spec: {
          ingressClassName: ing.className,
          tls: [{ hosts: ing.hosts, secretName: tlsSecretName }],
          // By port name, like the Service's targetPort: a port change cannot leave the Ingress behind.
          rules: ing.hosts.map((host) => ({
            host,
            http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service!.metadata.name, port: { name: PORT_NAME } } } }] },
          })),
        },
      }
    : undefined;

  return {
    namespace,
    serviceAccount,
    configMap,
    secret,
    stateClaim,
    deployment,
    service,
    networkPolicy,
    podDisruptionBudget,
    ingress,
    derived: {
      selectorLabels,
      configJson,
      configChecksum,
      serviceHost: service ? `${service.metadata.name}.${ns}.svc.cluster.local` : undefined,
      ingress: ingress && ing ? { name: ingress.metadata.name, hosts: ing.hosts, tlsSecretName } : undefined,
      probes: { startup: probeText("startup"), readiness: probeText("readiness"), liveness: probeText("liveness") },
    },
  };
}

const loopbackUrl = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;

/** An in-pod probe of 127.0.0.1 with the image's own node: status 200 and the JSON body's verdict. */
export function loopbackProbeCommand(port: number, probe: keyof typeof HEALTH): string[] {
  const script =
    `fetch("${loopbackUrl(port, HEALTH[probe].path)}",{signal:AbortSignal.timeout(2500)})` +
    `.then(r=>r.json().then(b=>process.exit(r.status===200&&${HEALTH[probe].healthy}?0:1)))` +
    ".catch(()=>process.exit(1))";
  return ["node", "-e", script];
}

type IngressSource = GatewaySettings["config"]["network"]["ingressSources"][number];

function toPeer(src: IngressSource): Record<string, unknown> {
  if ("cidr" in src) return { ipBlock: { cidr: src.cidr, ...(src.except ? { except: src.except } : {}) } };
  if ("namespaceSelector" in src) {
    return { namespaceSelector: { matchLabels: src.namespaceSelector }, ...(src.podSelector ? { podSelector: { matchLabels: src.podSelector } } : {}) };
  }
  return { podSelector: { matchLabels: src.podSelector } };
}

/** All objects in apply order, for tests, rendering and the manifest checker. */
export function allObjects(m: GatewayManifests): K8sObject[] {
  const all: Array<K8sObject | undefined> = [m.namespace, m.serviceAccount, m.configMap, m.secret, m.stateClaim, m.deployment, m.service, m.networkPolicy, m.podDisruptionBudget, m.ingress];
  return all.filter((o): o is K8sObject => o !== undefined);
}
