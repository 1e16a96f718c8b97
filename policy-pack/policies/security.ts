// Security: the Pod Security Standards "restricted" profile for gateway pods.

import { checkRestricted, type PodSecurityInput } from "../rules/security";
import { at, fields, items } from "../rules/fields";
import { containers, plain, podTemplate, POD_KINDS, securityContext } from "../model/k8s";
import { gatewaysOf, GATEWAY_MATCH_SCHEMA, type GatewayMatchConfig } from "../model/gateway";
import { resourcePolicy } from "./framework";

interface SecurityConfig extends GatewayMatchConfig {
  scope: "gateway" | "all";
  requireReadOnlyRootFilesystem: boolean;
}

export const restrictedSecurityContext = resourcePolicy<SecurityConfig>(
  {
    name: "restricted-security-context",
    description: "Gateway pods meet Pod Security Standards \"restricted\" (non-root, no privilege escalation, drop ALL, seccomp RuntimeDefault, no host namespaces/ports/paths) with a read-only root filesystem.",
    why: "The gateway runs tools on behalf of users; upstream's image runs as uid 1000 with readOnlyRootFilesystem and drop ALL. With a read-only root, /tmp must be a writable volume (the gateway writes /tmp/openclaw and its lock dir, docs/facts.md §1).",
    concern: "security",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        ...GATEWAY_MATCH_SCHEMA,
        scope: { type: "string", enum: ["gateway", "all"], default: "gateway", description: "Check only gateway pods, or every pod-bearing workload." },
        requireReadOnlyRootFilesystem: { type: "boolean", default: true, description: "Also require readOnlyRootFilesystem: true on every container." },
      },
    },
  },
  POD_KINDS,
  (o, cfg) => {
    const pod = podTemplate(o);
    if (!pod) return [];
    if (cfg.scope === "gateway" && gatewaysOf(o, cfg).length === 0) return [];
    const spec = pod.spec;
    const vols = items(spec.volumes);
    const input: PodSecurityInput = {
      hostNetwork: spec.hostNetwork === true,
      hostPID: spec.hostPID === true,
      hostIPC: spec.hostIPC === true,
      securityContext: spec.securityContext ? plain(spec.securityContext) : undefined,
      volumes: vols.map((v) => ({ name: String(at(v, "name")), types: Object.keys(fields(v) ?? {}).filter((k) => k !== "name") })),
      containers: containers(spec, ["container", "initContainer", "ephemeralContainer"]).map((c) => ({
        name: c.name,
        kind: c.kind,
        securityContext: securityContext(c),
        ports: items(c.raw.ports).map((p) => {
          const hostPort = at(p, "hostPort");
          return { hostPort: typeof hostPort === "number" ? hostPort : undefined };
        }),
      })),
    };
    return checkRestricted(input, { requireReadOnlyRootFilesystem: cfg.requireReadOnlyRootFilesystem });
  },
);
