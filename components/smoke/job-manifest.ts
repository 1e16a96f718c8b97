// The in-cluster path's objects: a ConfigMap with the bundled checks and a Job that runs
// them with the `node` of the pinned gateway image, under Pod Security "restricted".
// Node built-ins only: bundled into the smoke Job's script (job.ts).
import { IMAGE, SMOKE } from "../../policy-pack/rules/names";
import { ClusterTarget, serviceUrl } from "./target";

export function jobName(t: Pick<ClusterTarget, "runId">): string {
  const id = t.runId.toLowerCase().replace(/[^a-z0-9-]/g, "").slice(0, 40);
  return `openclaw-smoke-${id}`.slice(0, 63).replace(/-+$/, "");
}

function smokeLabels(): Record<string, string> {
  return {
    "app.kubernetes.io/name": SMOKE.appName,
    "app.kubernetes.io/component": SMOKE.component,
    "app.kubernetes.io/managed-by": "openclaw-gateway-infra",
    [SMOKE.clientLabel.key]: SMOKE.clientLabel.value,
  };
}

/** ConfigMap carrying the bundled check script (bundle.ts). */
export function scriptConfigMap(t: ClusterTarget, script: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: jobName(t), namespace: t.namespace, labels: smokeLabels() },
    data: { "smoke.cjs": script },
  };
}

/**
 * The in-cluster path: a Job running the same checks with the `node` of the
 * pinned gateway image, under the Pod Security Standards "restricted" profile.
 * The evidence comes back as the termination message (and stdout).
 */
export function smokeJob(t: ClusterTarget): Record<string, unknown> {
  const name = jobName(t);
  const labels = smokeLabels();
  const deadline = Math.ceil(t.budgetMs / 1000) + 60;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: t.namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: deadline,
      ttlSecondsAfterFinished: 600, // safety net if the provider dies before deleting it
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsNonRoot: true, runAsUser: IMAGE.uid, runAsGroup: IMAGE.gid, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "smoke",
              image: t.image,
              command: ["node", "/smoke/smoke.cjs"],
              env: [
                { name: "SMOKE_BASE_URL", value: serviceUrl(t) },
                { name: "SMOKE_PATH_NAME", value: "inCluster" },
                { name: "SMOKE_BUDGET_MS", value: String(t.budgetMs) },
                { name: IMAGE.tokenEnv, valueFrom: { secretKeyRef: { name: t.tokenSecretName, key: t.tokenSecretKey } } },
              ],
              terminationMessagePath: "/dev/termination-log",
              terminationMessagePolicy: "FallbackToLogsOnError",
              resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [
                { name: "smoke", mountPath: "/smoke", readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "smoke", configMap: { name, defaultMode: 0o444 } },
            { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
          ],
        },
      },
    },
  };
}
