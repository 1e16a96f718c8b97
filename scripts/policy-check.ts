// npm run policy:check -- [--config <file> | --stack staging|prod] [--namespace <ns>] [--json] [--verbose] <yaml files or directories>
//
// Runs the policy pack's own policies (policy-pack/policies, through the same in-process
// engine mirror the tests use) over plain Kubernetes YAML: upstream Kustomize output,
// rendered Helm charts, the local stack's rendered/ directory. Prints one line per
// violation, `LEVEL policy-name Kind/namespace/name: message`, and exits
//   0 no mandatory violation, 1 at least one mandatory violation, 2 bad input or usage.
import * as path from "path";
import { policies } from "../policy-pack/policies";
import { analyze, type Diagnostic } from "../policy-pack/harness/engine";
import { loadConfigFile, type PackConfigFile } from "../policy-pack/harness/config";
import { listYamlFiles, loadManifests, ManifestError, type ManifestObject } from "../policy-pack/harness/manifests";

const USAGE = `usage: npm run policy:check -- [--config <file> | --stack staging|prod] [--namespace <ns>] [--json] [--verbose] <yaml files or directories>
  --config <file>     a policy pack config file ({"all": "mandatory", "<policy>": {...}})
  --stack <name>      shorthand for --config policy-pack/config/<name>.json
  --namespace <ns>    namespace for objects that name none (default: default)
  --json              print a JSON report instead of lines
  --verbose           also print which policies did not apply and why`;

interface Options {
  config?: string;
  namespace: string;
  json: boolean;
  verbose: boolean;
  paths: string[];
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const o: Options = { namespace: "default", json: false, verbose: false, paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--config") o.config = value();
    else if (a === "--stack") {
      const s = value();
      if (!/^[a-z0-9-]+$/.test(s)) throw new UsageError(`--stack ${s}: expected a stack name such as staging or prod`);
      o.config = path.join(__dirname, "..", "policy-pack", "config", `${s}.json`);
    } else if (a === "--namespace") o.namespace = value();
    else if (a === "--json") o.json = true;
    else if (a === "--verbose") o.verbose = true;
    else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else if (a.startsWith("--")) throw new UsageError(`unknown option ${a}`);
    else o.paths.push(a);
  }
  if (o.paths.length === 0) throw new UsageError("no YAML files or directories given");
  return o;
}

function main(): number {
  let opts: Options;
  let config: PackConfigFile = {};
  let objects: ManifestObject[];
  try {
    opts = parseArgs(process.argv.slice(2));
    if (opts.config) config = loadConfigFile(opts.config);
    const files = listYamlFiles(opts.paths);
    if (files.length === 0) throw new ManifestError(`no .yaml or .yml files under ${opts.paths.join(", ")}`);
    objects = loadManifests(files, opts.namespace);
  } catch (e) {
    return fail(e);
  }

  let diagnostics: Diagnostic[];
  let notApplicable: { policyName: string; urn?: string; reason?: string }[];
  try {
    ({ diagnostics, notApplicable } = analyze(policies, objects.map((o) => o.resource), config));
  } catch (e) {
    return fail(e);
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
    };
    console.log(JSON.stringify(report, null, 2));
  } else {
    for (const d of diagnostics) console.log(`${d.enforcementLevel.toUpperCase()} ${d.policyName} ${d.detail}`);
    if (opts.verbose) {
      for (const n of notApplicable) {
        const o = n.urn ? byUrn.get(n.urn) : undefined;
        if (o && !n.reason?.startsWith("applies to")) console.log(`SKIPPED ${n.policyName} ${o.ref}: ${n.reason}`);
      }
    }
    const advisory = diagnostics.length - nMandatory;
    console.log(`${nMandatory} mandatory, ${advisory} advisory violation(s) in ${objects.length} object(s) from ${new Set(objects.map((o) => o.file)).size} file(s)`);
  }
  return nMandatory > 0 ? 1 : 0;
}

function fail(e: unknown): number {
  if (e instanceof UsageError) console.error(`policy:check: ${e.message}\n${USAGE}`);
  else if (e instanceof ManifestError) console.error(`policy:check: ${e.message}`);
  else if (e instanceof Error && /^invalid policy pack config|^cannot read policy config|^policy config /.test(e.message)) console.error(`policy:check: ${e.message}`);
  else {
    // A policy failed on input it should have rejected: one line, not a stack trace.
    const first = e instanceof Error ? e.message.split("\n").slice(0, 2).join(": ") : String(e);
    console.error(`policy:check: internal error while checking: ${first}`);
  }
  return 2;
}

process.exitCode = main();
