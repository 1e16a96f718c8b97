// Every name and fixed value that more than one part of the project relies on: the
// program writes objects with them, the policy pack and the smoke checks find those
// objects by them, the CLIs and the change ticket point at them. One list, here.
//
// No imports: the smoke checks bundle this file into the script the in-cluster Job
// runs (components/smoke/bundle.ts), and the published policy pack carries it.

/** Facts of the upstream image and gateway (docs/facts.md §1). */
export const IMAGE = {
  /** The image runs as user `node`, uid and gid 1000. */
  uid: 1000,
  gid: 1000,
  home: "/home/node",
  /** The gateway's state dir under HOME when OPENCLAW_STATE_DIR is unset. */
  stateDir: "/home/node/.openclaw",
  /** The config file's name in the state dir (or wherever OPENCLAW_CONFIG_PATH points). */
  configFile: "openclaw.json",
  /** The image's entry point (upstream compose runs `node dist/index.js gateway run ...` from /app). */
  command: ["node", "/app/dist/index.js"],
  /** The port the gateway listens on when neither flag nor config sets one. */
  defaultPort: 18789,
  /** The environment variable the gateway reads its token from. */
  tokenEnv: "OPENCLAW_GATEWAY_TOKEN",
} as const;

/** Names of the objects this program writes for one gateway. */
export const GATEWAY = {
  /** metadata.name of the Deployment, Service, ConfigMap, …, and the app.kubernetes.io/name label. */
  appName: "openclaw-gateway",
  containerName: "gateway",
  /** The named container port the Service and the Ingress point at. */
  portName: "gateway",
  /** Where the ConfigMap's openclaw.json is mounted (read-only). */
  configDir: "/etc/openclaw",
  /** The token Secret: `<appName>-token`, holding the token under IMAGE.tokenEnv. */
  tokenSecretName: "openclaw-gateway-token",
  tokenSecretKey: IMAGE.tokenEnv,
  component: "gateway",
} as const;

/** The gateway pods' selector labels in an environment (stack). */
export function selectorLabels(environment: string): Record<string, string> {
  return { "app.kubernetes.io/name": GATEWAY.appName, "app.kubernetes.io/instance": environment };
}

/** The same selector as `kubectl -l` takes it. */
export function selectorArg(environment: string): string {
  return Object.entries(selectorLabels(environment)).map(([k, v]) => `${k}=${v}`).join(",");
}

/** The smoke checks' in-cluster Job. */
export const SMOKE = {
  appName: "openclaw-gateway-smoke",
  component: "smoke",
  /** The label the gateway's NetworkPolicy admits the smoke Job's pod by. */
  clientLabel: { key: "openclaw.ai/smoke-client", value: "true" },
} as const;

/**
 * The `openclaw.ai/*` annotations the program stamps on the gateway workload and
 * its pod template: facts a manifest alone cannot show (observed memory, cold
 * start, node CIDRs, ingress sources) and release identity. The policies read
 * them; the program writes them.
 */
export const ANNOTATIONS = {
  p95: "openclaw.ai/p95-working-set",
  bootPeak: "openclaw.ai/boot-peak",
  minRatio: "openclaw.ai/headroom-min-ratio",
  maxRatio: "openclaw.ai/headroom-max-ratio",
  reason: "openclaw.ai/headroom-reason",
  coldStart: "openclaw.ai/cold-start-seconds",
  kubeletCidrs: "openclaw.ai/kubelet-cidrs",
  ingressSources: "openclaw.ai/ingress-sources",
  release: "openclaw.ai/release",
  buildId: "openclaw.ai/build-id",
  configChecksum: "openclaw.ai/config-checksum",
} as const;

/**
 * The gateway's health routes and what a healthy answer's JSON body says (docs/facts.md
 * §1): the probes the manifests build, the smoke checks and the change ticket all take
 * the path and the wording from here. `healthy` is the test as a JavaScript expression
 * over the parsed body `b`, which the in-pod (loopback) probe evaluates; the smoke
 * checks apply the same test (a unit test holds the two to the same verdicts).
 */
export const HEALTH = {
  startup: { path: "/startupz", healthy: 'b.ok===true&&b.status==="started"', expected: '{"ok":true,"status":"started"}' },
  liveness: { path: "/healthz", healthy: "b.ok===true", expected: '{"ok":true,...}' },
  readiness: { path: "/readyz", healthy: "b.ready===true", expected: '{"ready":true,...}' },
} as const;

/** The one real tool call the smoke checks make: needs no model key (docs/facts.md §1). */
export const TOOL_CALL = { path: "/tools/invoke", tool: "sessions_list", expected: '{"ok":true,"result":...}' } as const;
