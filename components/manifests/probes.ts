// The gateway's three probes, built from HEALTH (policy-pack/rules/names.ts), each with the words
// the change ticket shows. Probes go where real traffic goes. With bind=lan that is the pod IP,
// which the kubelet's httpGet dials. With bind=loopback (no Service; same-pod sidecars only) real
// traffic arrives on 127.0.0.1, which the kubelet cannot reach: the probe then runs inside the
// pod against 127.0.0.1 and reads the JSON body, because every unknown path answers 200 with the
// Control UI page (docs/facts.md §1).
import type { Probe } from "kubernetes-types/core/v1";
import { GATEWAY, HEALTH } from "../../policy-pack/rules/names";
import type { GatewaySettings } from "../config";

export const READINESS_PERIOD_SECONDS = 10;
type ProbeName = keyof typeof HEALTH;

const loopbackUrl = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;

/** An in-pod probe of 127.0.0.1 with the image's own node: status 200 and the JSON body's verdict. */
export function loopbackProbeCommand(port: number, probe: ProbeName): string[] {
  const script =
    `fetch("${loopbackUrl(port, HEALTH[probe].path)}",{signal:AbortSignal.timeout(2500)})` +
    `.then(r=>r.json().then(b=>process.exit(r.status===200&&${HEALTH[probe].healthy}?0:1)))` +
    ".catch(()=>process.exit(1))";
  return ["node", "-e", script];
}

/** Where a probe dials, for the bind: the kubelet's httpGet, or an exec inside the pod. */
function probeHandler(c: GatewaySettings["config"], probe: ProbeName): Probe {
  return c.gateway.bind === "lan"
    ? { httpGet: { path: HEALTH[probe].path, port: GATEWAY.portName, scheme: "HTTP" } }
    : { exec: { command: loopbackProbeCommand(c.gateway.port, probe) } };
}

function probeText(c: GatewaySettings["config"], probe: ProbeName): string {
  return c.gateway.bind === "lan"
    ? `httpGet ${HEALTH[probe].path} port ${GATEWAY.portName} (kubelet → pod IP)`
    : `exec in pod: GET ${loopbackUrl(c.gateway.port, HEALTH[probe].path)} and check the JSON body (loopback bind)`;
}

export interface GatewayProbes {
  startupProbe: Probe;
  readinessProbe: Probe;
  livenessProbe: Probe;
  /** Each probe in words: what is dialled, from where. */
  text: { startup: string; readiness: string; liveness: string };
}

export function gatewayProbes(s: GatewaySettings): GatewayProbes {
  const c = s.config;
  return {
    // Cold start (workspace and skills load) must not flip liveness: runbook §4.4, §5.
    startupProbe: { ...probeHandler(c, "startup"), periodSeconds: s.startup.periodSeconds, failureThreshold: s.startup.failureThreshold, timeoutSeconds: 3 },
    // Same protocol, port and path family as real traffic (runbook §4.4).
    readinessProbe: { ...probeHandler(c, "readiness"), periodSeconds: READINESS_PERIOD_SECONDS, timeoutSeconds: 3, failureThreshold: 3 },
    livenessProbe: { ...probeHandler(c, "liveness"), periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
    text: { startup: probeText(c, "startup"), readiness: probeText(c, "readiness"), liveness: probeText(c, "liveness") },
  };
}
