// Where the smoke checks run in a cluster: the gateway's Deployment, Service and Secret, and how to reach them.
// Node built-ins only: bundled into the smoke Job's script (job.ts).
import { type IngressTarget } from "./ingress";

export interface ClusterTarget {
  namespace: string;
  serviceName: string;
  deploymentName: string;
  /** The gateway port (containerPort = Service port = targetPort by name). */
  port: number;
  /** Pinned gateway image, `repo[:tag]@sha256:<hex>`; the Job runs its `node`. */
  image: string;
  /** The gateway's Secret holding the token (names.ts GATEWAY): the Job reads the token from it, never from its manifest. */
  tokenSecretName: string;
  tokenSecretKey: string;
  budgetMs: number;
  /** Kubeconfig text; written to a 0600 temp file for kubectl. Default: kubectl's own ($KUBECONFIG, ~/.kube/config). */
  kubeconfig?: string;
  context?: string;
  kubectl?: string;
  /** Suffix that makes the Job name unique per run (e.g. digest+values hash prefix). */
  runId: string;
  /** With an Ingress: the third path, https://<host> through the controller. */
  ingress?: IngressTarget;
}

export function serviceUrl(t: Pick<ClusterTarget, "serviceName" | "namespace" | "port">): string {
  return `http://${t.serviceName}.${t.namespace}.svc.cluster.local:${t.port}`;
}
