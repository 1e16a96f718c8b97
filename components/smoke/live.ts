// What is deployed right now, read from the live objects: the diagnosis names what runs,
// not what the stack config says (after a `kubectl patch` or `rollout undo` the two differ).
// Node built-ins only: bundled into the smoke Job's script (job.ts).
import { type DiagnosisContext } from "./agreement";
import type { Deployment } from "kubernetes-types/apps/v1";
import type { Container, ContainerPort, Service, ServicePort } from "kubernetes-types/core/v1";
import type { Ingress, IngressServiceBackend } from "kubernetes-types/networking/v1";
import { GATEWAY } from "../../policy-pack/rules/names";
import { ClusterTarget } from "./target";
import { kubectlBase, run } from "./kubectl";

/** The gateway's --bind from its argv (the last one wins, as its CLI parses it); undefined when absent. */
export function effectiveBind(argv: string[]): string | undefined {
  let bind: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--bind" && argv[i + 1] !== undefined) bind = argv[i + 1];
    else if (argv[i].startsWith("--bind=")) bind = argv[i].slice("--bind=".length);
  }
  return bind;
}

/**
 * What is deployed right now, read from the live Deployment and Service: the
 * gateway's effective --bind, its container port, and the Service's targetPort
 * resolved to a number. The diagnosis must name what runs, not what the stack
 * config says: after a `kubectl patch` or `rollout undo` the two differ.
 */
export function liveContextFrom(deployment: Deployment | undefined, service: Service | undefined): DiagnosisContext {
  const ctx: DiagnosisContext = {};
  const containers: Container[] = deployment?.spec?.template?.spec?.containers ?? [];
  const gw = containers.find((c) => c?.name === GATEWAY.containerName) ?? containers[0];
  if (!gw) return ctx;
  ctx.bind = effectiveBind([...(gw.command ?? []), ...(gw.args ?? [])].map(String));
  const ports: ContainerPort[] = gw.ports ?? [];
  const gwPort = ports.find((p) => p?.name === GATEWAY.portName) ?? ports[0];
  if (typeof gwPort?.containerPort === "number") ctx.containerPort = gwPort.containerPort;
  const target = service?.spec?.ports?.[0]?.targetPort;
  if (typeof target === "number") ctx.targetPort = target;
  else if (typeof target === "string") {
    const named = ports.find((p) => p?.name === target);
    // A name no container port carries reaches nothing: report it as port 0.
    ctx.targetPort = typeof named?.containerPort === "number" ? named.containerPort : /^\d+$/.test(target) ? Number(target) : 0;
  }
  return ctx;
}

/** The live Ingress's backend port and the Service's ports, for the Ingress path's diagnosis. */
export function liveIngressContextFrom(ingress: Ingress | undefined, service: Service | undefined): DiagnosisContext {
  const ctx: DiagnosisContext = {};
  const ports: ServicePort[] = service?.spec?.ports ?? [];
  ctx.servicePorts = ports.filter((p) => typeof p?.port === "number").map((p) => ({ ...(typeof p.name === "string" ? { name: p.name } : {}), port: p.port }));
  const gw = ports.find((p) => p?.name === GATEWAY.portName) ?? ports[0];
  if (gw) ctx.gatewayServicePort = typeof gw.name === "string" ? gw.name : gw.port;
  const backends: IngressServiceBackend[] = (ingress?.spec?.rules ?? []).flatMap((r) => r?.http?.paths ?? []).flatMap((p) => (p?.backend?.service ? [p.backend.service] : []));
  const mine = backends.find((b) => b?.name === service?.metadata?.name) ?? backends[0];
  const port = mine?.port;
  if (typeof port?.name === "string") ctx.ingressBackendPort = port.name;
  else if (typeof port?.number === "number") ctx.ingressBackendPort = port.number;
  return ctx;
}

export async function liveContext(t: ClusterTarget, kc: string | undefined): Promise<DiagnosisContext> {
  const get = async (what: string) => {
    const r = await run(t.kubectl ?? "kubectl", [...kubectlBase(t, kc), "get", what, "-o", "json"], undefined, 30_000);
    if (r.code !== 0) return undefined;
    try {
      return JSON.parse(r.stdout);
    } catch {
      return undefined;
    }
  };
  const [deployment, service, ingress] = await Promise.all([
    get(`deployment/${t.deploymentName}`),
    get(`service/${t.serviceName}`),
    t.ingress ? get(`ingress/${t.ingress.ingressName}`) : Promise.resolve(undefined),
  ]);
  return {
    ...(deployment ? liveContextFrom(deployment, service) : {}),
    ...(ingress && service ? liveIngressContextFrom(ingress, service) : {}),
  };
}
