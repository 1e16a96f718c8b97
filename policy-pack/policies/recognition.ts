// Which containers are the gateway (one setting for the whole pack), containers of the
// OpenClaw image that never serve, tokens written into the manifest, and references the
// checks depend on but cannot follow.

import type { PolicyConfigSchema, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { DEFAULT_RECOGNITION, type RecognitionSettings } from "../rules/recognition";
import { AUTH_MODES, bindReachability } from "../rules/gateway";
import { POD_KINDS, podTemplate } from "../model/k8s";
import {
  customBindHost, GATEWAY_MATCH_SCHEMA, recognizedContainers, setPackRecognition, type GatewayMatchConfig,
} from "../model/gateway";
import { resourcePolicy, stackPolicy, type OpenClawPolicy } from "./framework";
import { forEachGateway } from "./network";

const RECOGNITION_POLICY = "gateway-recognition";

const RECOGNITION_SCHEMA: PolicyConfigSchema = {
  properties: {
    imagePatterns: {
      type: "array", items: { type: "string" }, default: DEFAULT_RECOGNITION.imagePatterns,
      description: "Regexes over the image repository (registry/path, no tag or digest) of OpenClaw images.",
    },
    entryPatterns: {
      type: "array", items: { type: "string" }, default: DEFAULT_RECOGNITION.entryPatterns,
      description: "Regexes over the program (or the script node runs) naming an openclaw entry point; followed by `gateway` or `gateway run` it is the gateway.",
    },
    imageDefaults: {
      type: "array",
      default: DEFAULT_RECOGNITION.imageDefaults,
      items: {
        type: "object",
        properties: {
          image: { type: "string" }, entrypoint: { type: "array", items: { type: "string" } }, cmd: { type: "array", items: { type: "string" } }, source: { type: "string" },
        },
        required: ["image", "entrypoint", "cmd"],
        additionalProperties: false,
      },
      description: "ENTRYPOINT and CMD of images (regex over the repository), for containers that leave command or args unset. An OpenClaw image not listed is taken to run `openclaw gateway`.",
    },
  },
};

/**
 * Carries the one recognition setting every gateway policy uses. The engine gives a policy
 * only its own config, so this policy runs first (the pack lists it first) on every
 * resource and on the stack, and records its config for the others. It reports nothing.
 */
export const gatewayRecognition: OpenClawPolicy = {
  name: RECOGNITION_POLICY,
  description: "Decides which containers are the gateway for every policy of the pack (image, entrypoint and args as the container runs them). Reports nothing itself; do not disable it (its settings would be ignored).",
  why: "One setting instead of the same patterns repeated under nine policies; the gateway policies go quiet on a gateway they do not recognise, so recognition must follow the image's ENTRYPOINT/CMD, `$(VAR)` expansion and shell scripts the way the container runs them.",
  concern: "recognition",
  enforcementLevel: "advisory",
  configSchema: RECOGNITION_SCHEMA,
  validateResource: (args: ResourceValidationArgs) => {
    setPackRecognition(args.getConfig<Partial<RecognitionSettings>>());
  },
  validateStack: (args: StackValidationArgs, _report: ReportViolation) => {
    setPackRecognition(args.getConfig<Partial<RecognitionSettings>>());
  },
} as OpenClawPolicy;

/** Workloads that keep their containers running: a one-shot Job or a run-once Pod may run `doctor` or `onboard`. */
function longRunning(kind: string, restartPolicy: unknown): boolean {
  if (kind === "Job" || kind === "CronJob") return false;
  if (kind === "Pod") return restartPolicy === undefined || restartPolicy === "Always";
  return POD_KINDS.includes(kind);
}

function hint(positionals: readonly string[]): string {
  const [a, b] = positionals;
  if (a === "gateway" && ["start", "install", "restart", "stop", "uninstall"].includes(b ?? "")) {
    return `\`gateway ${b}\` manages a system service (launchd/systemd) and exits; it does not run the server in the foreground, so the container exits and restarts in a loop`;
  }
  if (a === "gateway") return `\`gateway ${positionals.slice(1).join(" ")}\` talks to a running gateway and exits`;
  if (["onboard", "doctor", "setup", "configure", "config", "update"].includes(a ?? "")) return `\`${a}\` is a one-off; run it in a Job or an init container`;
  if (a === undefined) return "no command prints the help and exits";
  return `\`${positionals.join(" ")}\` is not the gateway server`;
}

export const gatewayRunsInForeground = resourcePolicy<GatewayMatchConfig>(
  {
    name: "gateway-runs-in-foreground",
    description: "A long-running container of an OpenClaw image (or one that calls an openclaw entry point) runs the gateway server in the foreground: `gateway` or `gateway run`, not `gateway start`, `onboard` or `doctor`, and with argv its image can run.",
    why: "`openclaw gateway start` installs a launchd/systemd service and exits; `onboard`/`doctor` are one-offs; with the node image's docker-entrypoint.sh, args such as `[gateway, --bind, lan]` run `node gateway`. The pod restarts in a loop and, as no container is recognised as the gateway, every other gateway policy stays silent.",
    concern: "recognition",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...GATEWAY_MATCH_SCHEMA } },
  },
  POD_KINDS,
  (o, cfg) => {
    const pod = podTemplate(o);
    if (!pod || !longRunning(o.kind, pod.spec.restartPolicy)) return [];
    const all = recognizedContainers(o, cfg);
    const out: string[] = [];
    for (const { container, recognition: r } of all) {
      if (r.role !== "openclaw-not-serving") continue;
      const why = r.parsed ? `: ${hint(r.parsed.positionals)}` : "";
      out.push(`container "${container.name}" ${r.why}${why}; run \`openclaw gateway run --bind lan --port 18789\` (e.g. command [node, openclaw.mjs, gateway, run, --bind, lan, --port, "18789"])`);
    }
    return out;
  },
);

const TOKEN_VARS = ["OPENCLAW_GATEWAY_TOKEN", "OPENCLAW_GATEWAY_PASSWORD"];

export const tokenFromSecret = stackPolicy<GatewayMatchConfig>(
  {
    name: "token-from-secret",
    description: "The gateway's token or password is not written into the manifest: not in env[].value, not in --token/--password, not in a ConfigMap (envFrom, configMapKeyRef or the config file's gateway.auth). It comes from a Secret.",
    why: "Anyone who can read a Deployment or ConfigMap (`get` on apps, GitOps repositories, `kubectl describe`) reads a literal token; a Secret has its own RBAC and can be encrypted at rest. The program passes it as a Pulumi secret into a Secret and a secretKeyRef.",
    concern: "network",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...GATEWAY_MATCH_SCHEMA } },
  },
  (ctx) =>
    forEachGateway(ctx, (_gw, s, report) => {
      for (const name of TOKEN_VARS) {
        const v = s.env[name];
        if (!v || !("value" in v) || v.value.trim() === "") continue;
        const where = v.literal ? `env[].value` : `a ConfigMap (envFrom or configMapKeyRef)`;
        report(`${name} is a literal in ${where}; put it in a Secret and use valueFrom.secretKeyRef`);
      }
      for (const flag of ["--token", "--password"]) {
        const v = s.argv.flags[flag];
        if (typeof v === "string" && v.trim() !== "" && !v.includes("\u0000")) report(`${flag} is given on the command line as a literal; read it from OPENCLAW_GATEWAY_TOKEN set from a Secret (secretKeyRef)`);
      }
      const auth = s.config?.gateway?.auth;
      for (const k of ["token", "password"] as const) {
        const v = auth?.[k];
        if (typeof v === "string" && v.trim() !== "" && !/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(v.trim())) {
          report(`gateway.auth.${k} is a literal in ${s.configSource}; leave it out of the config file and set OPENCLAW_GATEWAY_${k.toUpperCase()} from a Secret`);
        }
      }
    }),
);

export const referencesResolvable = stackPolicy<GatewayMatchConfig>(
  {
    name: "references-resolvable",
    description: "What a gateway check depends on but the input does not contain is said, not guessed: a token that can only come from an envFrom Secret/ConfigMap absent from the objects checked cannot be verified.",
    why: "Checked without the Secret (kept out of Git, made by an operator or External Secrets), an `envFrom: [{secretRef: …}]` gateway would otherwise be told it has no token and exits 78. The check says it cannot verify it instead, as an advisory.",
    concern: "network",
    enforcementLevel: "advisory",
    configSchema: { properties: { ...GATEWAY_MATCH_SCHEMA } },
  },
  (ctx) =>
    forEachGateway(ctx, (_gw, s, report) => {
      // Only when an envFrom source is missing: nothing else (not the config file) is read.
      if (s.unresolvedEnvFrom.length === 0 || s.auth.hasSecret) return;
      if (bindReachability(s.bind.value, customBindHost(s)).reach === "loopback-only") return;
      if (!(AUTH_MODES as readonly string[]).includes(s.auth.mode) || s.auth.mode === "none" || s.auth.mode === "trusted-proxy") return;
      const v = s.auth.mode === "password" ? "OPENCLAW_GATEWAY_PASSWORD" : "OPENCLAW_GATEWAY_TOKEN";
      report(
        `cannot verify that ${v} is set: the ${s.auth.mode} can only come from envFrom ${s.unresolvedEnvFrom.join(", ")}, which ${s.unresolvedEnvFrom.length > 1 ? "are" : "is"} not among the objects checked; ` +
          `bind ${s.bind.value} is off loopback, so without it the gateway exits 78. Include the object in the input (or check it holds ${v})`,
      );
    }),
);
