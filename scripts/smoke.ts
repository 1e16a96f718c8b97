// npm run smoke -- --url <base-url> [--token-env NAME] [--budget-seconds N] [--path-name NAME]
//   Runs the four checks against any gateway URL (e.g. after your own
//   `kubectl port-forward deploy/openclaw-gateway 18789:18789`).
// npm run smoke -- --stack <name> [--outputs <file>] [--context <kube context>] [--token-env NAME] [--budget-seconds N]
//   Re-runs both paths (port-forward and the in-cluster Job) for a deployed stack,
//   from its outputs and the current kubeconfig — e.g. after `kubectl rollout undo`
//   (runbook FAQ). The token comes from --token-env, else from the gateway's Secret.
//
// Prints the evidence JSON on stdout and a readable summary on stderr; exits 0
// when everything passes (and both paths agree), 1 when not, 2 on bad usage.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { smokeBundle } from "../components/smoke/bundle";
import { formatAgreement, formatEvidence, redact, runChecks } from "../components/smoke/checks";
import { runBothPaths, smokeRecord, type ClusterTarget } from "../components/smoke/kube";

const USAGE = [
  "usage: npm run smoke -- --url <base-url> [--token-env NAME] [--budget-seconds N] [--path-name NAME]",
  "       npm run smoke -- --stack <name> [--outputs <file>] [--context <kube context>] [--token-env NAME] [--budget-seconds N]",
].join("\n");

interface Args {
  url?: string;
  stack?: string;
  outputs?: string;
  context?: string;
  tokenEnv: string;
  budgetSeconds?: number;
  pathName: string;
}

class UsageError extends Error {}

export function parseArgs(argv: string[]): Args {
  const a: Args = { tokenEnv: "OPENCLAW_GATEWAY_TOKEN", pathName: "cli" };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--url":
        a.url = value();
        break;
      case "--stack":
        a.stack = value();
        break;
      case "--outputs":
        a.outputs = value();
        break;
      case "--context":
        a.context = value();
        break;
      case "--token-env":
        a.tokenEnv = value();
        break;
      case "--path-name":
        a.pathName = value();
        break;
      case "--budget-seconds": {
        const n = Number(value());
        if (!Number.isFinite(n) || n <= 0) throw new UsageError("--budget-seconds must be a positive number");
        a.budgetSeconds = n;
        break;
      }
      case "-h":
      case "--help":
        throw new UsageError("");
      default:
        throw new UsageError(`unknown argument ${flag}`);
    }
  }
  if (!a.url === !a.stack) throw new UsageError("give exactly one of --url or --stack");
  if (a.url) {
    try {
      const u = new URL(a.url);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
    } catch {
      throw new UsageError(`--url ${a.url} is not an http(s) URL`);
    }
  }
  return a;
}

function pulumi(args: string[]): string {
  try {
    return execFileSync("pulumi", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { code?: string; stderr?: string };
    if (err.code === "ENOENT") throw new UsageError("the pulumi CLI is not on PATH: run `npm run bootstrap:pulumi` and `source scripts/pulumi-env.sh`, or pass --outputs <file>");
    throw new UsageError(`pulumi ${args.slice(0, 2).join(" ")} failed: ${(err.stderr ?? "").trim()}`);
  }
}

/** --url needs the token in the environment; --stack falls back to the gateway's Secret (via kubectl). */
function tokenFor(a: Args): string | undefined {
  const fromEnv = process.env[a.tokenEnv];
  if (fromEnv) return fromEnv;
  if (a.stack) return undefined;
  throw new UsageError(`no token: set ${a.tokenEnv} (or pass --token-env NAME)`);
}

interface StackOutputs {
  endpoints?: { namespace?: string; deployment?: string; service?: string | null };
  image?: { ref?: string };
  valuesHash?: string;
  bindPortProbe?: { bind?: string; port?: number; coldStartSeconds?: number; startupGraceSeconds?: number };
}

/** The cluster target of a deployed stack, from `pulumi stack output --json`. */
export function targetFromOutputs(o: StackOutputs, a: Pick<Args, "context" | "budgetSeconds">): ClusterTarget {
  const missing: string[] = [];
  const ns = o.endpoints?.namespace;
  const deployment = o.endpoints?.deployment;
  const service = o.endpoints?.service;
  const image = o.image?.ref;
  const port = o.bindPortProbe?.port;
  if (!ns) missing.push("endpoints.namespace");
  if (!deployment) missing.push("endpoints.deployment");
  if (!service) missing.push("endpoints.service (a stack without a Service has no in-cluster path)");
  if (!image) missing.push("image.ref");
  if (!port) missing.push("bindPortProbe.port");
  if (missing.length) throw new UsageError(`stack outputs lack ${missing.join(", ")}`);
  const budgetSeconds = a.budgetSeconds ?? Math.max(30, o.bindPortProbe?.startupGraceSeconds ?? 60);
  return {
    namespace: ns!,
    serviceName: service!,
    deploymentName: deployment!,
    port: port!,
    image: image!,
    // The gateway component names its Secret `<app>-token` with this key (components/manifests.ts).
    tokenSecretName: "openclaw-gateway-token",
    tokenSecretKey: "OPENCLAW_GATEWAY_TOKEN",
    budgetMs: Math.round(budgetSeconds * 1000),
    context: a.context,
    runId: `cli-${Date.now().toString(36)}`,
  };
}

async function main(argv: string[]): Promise<number> {
  let a: Args;
  try {
    a = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message ? `${(e as Error).message}\n` : ""}${USAGE}\n`);
    return 2;
  }
  try {
    const token = tokenFor(a);
    if (a.url) {
      const ev = await runChecks({ baseUrl: a.url, token: token!, budgetMs: Math.round((a.budgetSeconds ?? 30) * 1000), pathName: a.pathName });
      process.stderr.write(`${redact(formatEvidence(ev), [token])}\n`);
      process.stdout.write(`${redact(JSON.stringify(ev, null, 2), [token])}\n`);
      return ev.ok ? 0 : 1;
    }
    const text = a.outputs ? readFileSync(a.outputs, "utf8") : pulumi(["stack", "output", "--json", "--stack", a.stack!]);
    const outputs = JSON.parse(text) as StackOutputs & { valuesHash?: string };
    const target = targetFromOutputs(outputs, a);
    const run = await runBothPaths(target, token, smokeBundle(), { bind: outputs.bindPortProbe?.bind, containerPort: target.port });
    const used = run.token ?? "";
    const record = smokeRecord(target, run, outputs.valuesHash ?? "unknown", used);
    process.stderr.write(`${redact([formatEvidence(run.portForward), formatEvidence(run.inCluster), formatAgreement(run.agreement)].join("\n"), [used])}\n`);
    process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
    return record.signedOff ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`smoke: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
