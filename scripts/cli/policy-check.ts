// npm run policy:check -- [--config <file> | --stack staging|prod] [--namespace <ns>] [--json] [--verbose] [--explain]
//                          [--allow-empty] [--max-bytes N] [--max-objects N] <files or directories>
//
// Runs the policy pack's own policies (policy-pack/policies, through the same in-process
// engine mirror the tests use) over plain Kubernetes manifests: upstream Kustomize output,
// rendered Helm charts, the local stack's rendered/ directory. YAML is decoded as kubectl
// decodes it (YAML 1.1, merge keys, JSON files). Prints one line per violation,
// `LEVEL policy-name Kind/namespace/name: message`, and exits
//   0 no mandatory violation, 1 at least one mandatory violation, 2 bad input or usage.
// Text from the input is printed with control characters escaped.
import * as path from "path";
import { policies } from "../../policy-pack/policies";
import { analyze, type Diagnostic } from "../../policy-harness/engine";
import { loadConfigFile, type PackConfigFile } from "../../policy-harness/config";
import { explain, explainLines, type WorkloadExplanation } from "../../policy-harness/explain";
import { DEFAULT_LIMITS, listYamlFiles, loadManifests, ManifestError, parseManifestText, type InputLimits, type ManifestObject } from "../../policy-harness/manifests";
import { parseCommandLine } from "./lib/args";

const USAGE = `usage: npm run policy:check -- [options] <manifest files or directories>
  --config <file>     a policy pack config file ({"all": "mandatory", "<policy>": {...}})
  --stack <name>      shorthand for --config policy-pack/config/<name>.json
  --namespace <ns>    namespace for objects that name none (default: default)
  --json              print a JSON report instead of lines
  --verbose           also print which policies did not apply and why
  --explain           for each workload: which containers are the gateway and why, what it
                      listens on and where each observed figure came from
  --allow-empty       exit 0 when the input holds no Kubernetes object (default: an error)
  --max-bytes <n>     refuse input larger than n bytes in total (default ${DEFAULT_LIMITS.maxBytes})
  --max-objects <n>   refuse input with more than n objects (default ${DEFAULT_LIMITS.maxObjects})`;

interface Options {
  config?: string;
  namespace: string;
  json: boolean;
  verbose: boolean;
  explain: boolean;
  allowEmpty: boolean;
  limits: InputLimits;
  paths: string[];
}

class UsageError extends Error {}
class InputError extends Error {}

/** Control characters (C0, DEL, C1) and bidi overrides from the input never reach the terminal raw. */
function escapeControl(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|\n|\t/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

const print = (s: string) => console.log(escapeControl(s));
const printErr = (s: string) => console.error(escapeControl(s));

function parseOptions(argv: string[]): Options {
  const { values: v, positionals } = parseCommandLine(
    {
      name: "policy:check",
      usage: USAGE,
      positionals: Infinity,
      options: {
        config: { type: "string" },
        stack: { type: "string" },
        namespace: { type: "string" },
        json: { type: "boolean" },
        verbose: { type: "boolean" },
        explain: { type: "boolean" },
        "allow-empty": { type: "boolean" },
        "max-bytes": { type: "string" },
        "max-objects": { type: "string" },
      },
    },
    argv,
  );
  const count = (flag: string, n: string | undefined, dflt: number) => {
    if (n === undefined) return dflt;
    if (!/^[1-9][0-9]{0,14}$/.test(n)) throw new UsageError(`${flag} ${n}: expected a positive whole number`);
    return Number(n);
  };
  const o: Options = {
    config: v.config,
    namespace: v.namespace ?? "default",
    json: v.json ?? false,
    verbose: v.verbose ?? false,
    explain: v.explain ?? false,
    allowEmpty: v["allow-empty"] ?? false,
    limits: { ...DEFAULT_LIMITS, maxBytes: count("--max-bytes", v["max-bytes"], DEFAULT_LIMITS.maxBytes), maxObjects: count("--max-objects", v["max-objects"], DEFAULT_LIMITS.maxObjects) },
    paths: positionals,
  };
  if (v.stack !== undefined) {
    if (!/^[a-z0-9-]+$/.test(v.stack)) throw new UsageError(`--stack ${v.stack}: expected a stack name such as staging or prod`);
    o.config = path.join(__dirname, "..", "..", "policy-pack", "config", `${v.stack}.json`);
  }
  if (o.paths.length === 0) throw new UsageError("no manifest files or directories given");
  return o;
}

/** The object a failing policy was looking at, from the engine's error, for the message. */
function locate(message: string, objects: readonly ManifestObject[]): string {
  const urn = /urn:pulumi:manifests::policy-check::[^\s'"]+/.exec(message)?.[0];
  const o = urn ? objects.find((x) => x.resource.urn === urn) : undefined;
  return o ? `${o.file}: document ${o.doc} (${o.ref})` : "";
}

export function main(argv: string[] = process.argv.slice(2)): number {
  let opts: Options;
  let config: PackConfigFile = {};
  let objects: ManifestObject[];
  try {
    opts = parseOptions(argv);
    if (opts.config) config = loadConfigFile(opts.config);
    const files = listYamlFiles(opts.paths);
    if (files.length === 0 && !opts.allowEmpty) throw new InputError(`no .yaml, .yml or .json files under ${opts.paths.join(", ")} (pass --allow-empty to accept that)`);
    objects = loadManifests(files, opts.namespace, opts.limits);
    if (objects.length === 0 && !opts.allowEmpty) {
      throw new InputError(`no Kubernetes object in ${files.join(", ")}: empty input is refused (pass --allow-empty to accept it)`);
    }
  } catch (e) {
    return fail(e);
  }

  let diagnostics: Diagnostic[];
  let notApplicable: { policyName: string; urn?: string; reason?: string }[];
  let explanation: WorkloadExplanation[] = [];
  try {
    ({ diagnostics, notApplicable } = analyze(policies, objects.map((o) => o.resource), config));
    if (opts.explain) explanation = explain(objects.map((o) => o.resource), config);
  } catch (e) {
    return fail(e, objects);
  }

  const byUrn = new Map(objects.map((o) => [o.resource.urn, o]));
  const nMandatory = diagnostics.filter((d) => d.enforcementLevel === "mandatory").length;
  if (opts.json) {
    const report = {
      files: [...new Set(objects.map((o) => o.file))],
      objects: objects.length,
      violations: diagnostics.map((d) => {
        const o = d.urn ? byUrn.get(d.urn) : undefined;
        const ref = /^([A-Za-z]+\/[^/: ]+\/[^: ]+): /.exec(d.detail)?.[1];
        return { level: d.enforcementLevel, policy: d.policyName, object: ref, file: o?.file, document: o?.doc, message: d.detail.replace(/^[^ ]+: /, ""), description: d.description };
      }),
      mandatory: nMandatory,
      ...(opts.explain ? { explain: explanation } : {}),
    };
    // JSON.stringify escapes C0 controls; escape DEL, C1 and bidi overrides too.
    console.log(JSON.stringify(report, null, 2).replace(/[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
  } else {
    for (const l of explainLines(explanation)) print(l);
    for (const d of diagnostics) print(`${d.enforcementLevel.toUpperCase()} ${d.policyName} ${d.detail}`);
    if (opts.verbose) {
      for (const n of notApplicable) {
        const o = n.urn ? byUrn.get(n.urn) : undefined;
        if (o && !n.reason?.startsWith("applies to")) print(`SKIPPED ${n.policyName} ${o.ref}: ${n.reason}`);
      }
    }
    const advisory = diagnostics.length - nMandatory;
    print(`${nMandatory} mandatory, ${advisory} advisory violation(s) in ${objects.length} object(s) from ${new Set(objects.map((o) => o.file)).size} file(s)`);
  }
  return nMandatory > 0 ? 1 : 0;
}

function fail(e: unknown, objects: readonly ManifestObject[] = []): number {
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof UsageError) printErr(`policy:check: ${msg}\n${USAGE}`);
  else if (e instanceof ManifestError || e instanceof InputError) printErr(`policy:check: ${msg}`);
  else if (/invalid policy (pack )?config/.test(msg)) printErr(`policy:check: ${/invalid policy (pack )?config[^]*?(?=\n\s+at |$)/.exec(msg)?.[0] ?? msg}`);
  else if (/^cannot read policy config|^policy config /.test(msg)) printErr(`policy:check: ${msg}`);
  else if (e instanceof RangeError) printErr(`policy:check: the input is too large or too deeply nested to check (${msg}); split it or lower its nesting`);
  else {
    // A policy failed on input the loader let through: name the policy and the object, one line, no stack trace.
    const policy = /policy '([^']+)'/.exec(msg)?.[1];
    const where = locate(msg, objects);
    const cause = msg.split("\n").find((l, i) => i > 0 && l.trim() !== "" && !/^\s+at /.test(l)) ?? msg.split("\n")[0];
    printErr(`policy:check: ${policy ? `policy ${policy} could not check ` : "could not check "}${where || "the input"}: ${cause.trim()}`);
  }
  return 2;
}

/** A small gateway: parsed and checked once, it compiles and warms the YAML decoder and the policies. */
const WARM_UP = `apiVersion: apps/v1
kind: Deployment
metadata: {name: warm-up, labels: {app.kubernetes.io/name: warm-up}}
spec:
  replicas: 2
  selector: {matchLabels: {app.kubernetes.io/name: warm-up}}
  template:
    metadata: {labels: {app.kubernetes.io/name: warm-up}}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: gateway
          image: ghcr.io/openclaw/openclaw:2026.9.6
          command: [node, /app/dist/index.js]
          args: [gateway, run, --bind, lan, --port, "18789"]
          ports: [{name: gateway, containerPort: 18789}]
          resources: {requests: {cpu: 500m, memory: 1024Mi}, limits: {memory: 1344Mi}}
          readinessProbe: {httpGet: {path: /readyz, port: gateway}}
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
---
apiVersion: v1
kind: Service
metadata: {name: warm-up}
spec:
  selector: {app.kubernetes.io/name: warm-up}
  ports: [{name: gateway, port: 18789, targetPort: gateway}]
`;

/**
 * Run when scripts/cli/run.js makes the tool's code cache: V8's code for everything this
 * compiles is saved, so later starts compile none of it. Only pure work (no shell script
 * in the gateway, so mvdan-sh is not loaded for it); its memo tables hold nothing that
 * a later check's output depends on.
 */
export function warmUp(): void {
  const objects = parseManifestText(WARM_UP, "warm-up.yaml");
  analyze(policies, objects.map((o) => o.resource), {});
  explain(objects.map((o) => o.resource), {});
}

// scripts/cli/run.js loads the module first and calls main itself (see loadWarm there).
if (!(globalThis as { __ocCliRunsMain?: boolean }).__ocCliRunsMain) process.exitCode = main();
