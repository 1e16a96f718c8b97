// The gateway's pods: the container (image, args, env, resources, probes, security context,
// mounts), the Deployment around it, and the PodDisruptionBudget when there is more than one.
import type { Deployment, DeploymentSpec } from "kubernetes-types/apps/v1";
import type { Container, Volume } from "kubernetes-types/core/v1";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1";
import { ANNOTATIONS, GATEWAY, IMAGE } from "../../policy-pack/rules/names";
import { parseMemory } from "../../policy-pack/rules/quantity";
import type { ManifestContext, Named } from "./context";
import type { GatewayProbes } from "./probes";

const { appName: APP_NAME, containerName: CONTAINER_NAME, portName: PORT_NAME, configDir: CONFIG_DIR } = GATEWAY;
const TMP_SIZE = "256Mi";
const MI = 2 ** 20;

export type GatewayDeployment = Named<Deployment> & { spec: DeploymentSpec };

/** Names of the objects the pod refers to. */
export interface PodRefs {
  serviceAccount: string;
  configMap: string;
  tokenSecret: string;
  /** The state claim, when the state volume is a PVC. */
  stateClaim?: string;
}

function gatewayContainer(x: ManifestContext, probes: GatewayProbes, refs: PodRefs): Container {
  const { c, s } = x;
  const port = c.gateway.port;
  const sv = c.stateVolume;
  // Ephemeral storage: the /tmp emptyDir, an emptyDir state volume and the
  // container logs all count against it; bound it so a runaway log cannot evict the node's other pods.
  const ephemeralLimitMi = 256 + 256 + 512 + (sv.type === "emptyDir" ? Math.ceil(parseMemory(sv.sizeLimit)! / MI) : 0);
  return {
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
      { name: IMAGE.tokenEnv, valueFrom: { secretKeyRef: { name: refs.tokenSecret, key: GATEWAY.tokenSecretKey } } },
      // V8 sizes its heap from host RAM, not the cgroup: cap it under the limit (openclaw #45160, #35773).
      { name: "NODE_OPTIONS", value: `--max-old-space-size=${s.memory.heapCapMiB}` },
    ],
    resources: {
      // ResolvedConfig: both always set, in canonical exact forms.
      requests: { cpu: c.resources.cpuRequest, memory: c.resources.memoryRequest, "ephemeral-storage": "256Mi" },
      limits: {
        memory: c.resources.memoryLimit,
        ...(c.resources.cpuLimit ? { cpu: c.resources.cpuLimit } : {}),
        "ephemeral-storage": `${ephemeralLimitMi}Mi`,
      },
    },
    startupProbe: probes.startupProbe,
    readinessProbe: probes.readinessProbe,
    livenessProbe: probes.livenessProbe,
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
}

function podVolumes(x: ManifestContext, refs: PodRefs): Volume[] {
  const sv = x.c.stateVolume;
  return [
    { name: "config", configMap: { name: refs.configMap } },
    sv.type === "pvc" ? { name: "state", persistentVolumeClaim: { claimName: refs.stateClaim! } } : { name: "state", emptyDir: { sizeLimit: sv.sizeLimit } },
    { name: "tmp", emptyDir: { sizeLimit: TMP_SIZE } },
    { name: "cache", emptyDir: { sizeLimit: TMP_SIZE } },
  ];
}

export function gatewayDeployment(x: ManifestContext, probes: GatewayProbes, refs: PodRefs): GatewayDeployment {
  const { c, selectorLabels } = x;
  const sv = c.stateVolume;
  const singleWriter = sv.type === "pvc" && sv.accessMode === "ReadWriteOnce";
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: x.meta(APP_NAME, {
      annotations: {
        ...x.annotations,
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
          labels: x.labels,
          // A config change rolls the pods.
          annotations: { ...x.annotations, [ANNOTATIONS.configChecksum]: x.configChecksum },
        },
        spec: {
          serviceAccountName: refs.serviceAccount,
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
          containers: [gatewayContainer(x, probes, refs)],
          volumes: podVolumes(x, refs),
        },
      },
    },
  };
}

/** With more than one replica: at most one pod down at a time during voluntary disruptions. */
export function gatewayDisruptionBudget(x: ManifestContext): Named<PodDisruptionBudget> | undefined {
  if (x.c.replicas <= 1) return undefined;
  return { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: x.meta(APP_NAME), spec: { maxUnavailable: 1, selector: { matchLabels: x.selectorLabels } } };
}
