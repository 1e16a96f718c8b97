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
import { baseUrlProblem, cleanText, formatAgreement, formatEvidence, gatewayTokenProblem, maskUrl, redact, redactDeep, runChecks } from "../components/smoke/checks";
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
        // Never echo a stray argument whole: it may be a pasted token.
        throw new UsageError(`unknown argument ${/^--?[A-Za-z][A-Za-z0-9-]{0,30}$/.test(flag) ? flag : `#${i + 1} (not a known flag; not shown)`}`);
    }
  }
  if (!a.url === !a.stack) throw new UsageError("give exactly one of --url or --stack");
  if (a.url) {
    // Refused, not stripped: a password in the URL would be sent, and the operator would
    // believe the checks ran against the URL they typed.
    const problem = baseUrlProblem(a.url);
    if (problem) throw new UsageError(`--url ${maskUrl(a.url)} ${problem}`);
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(a.tokenEnv)) throw new UsageError("--token-env must name an environment variable, such as OPENCLAW_GATEWAY_TOKEN");
  if (!/^[A-Za-z0-9._-]{1,40}$/.test(a.pathName)) throw new UsageError("--path-name must be 1–40 characters of A–Z a–z 0–9 . _ -");
  return a;
}

function pulumi(args: string[]): string {
  try {
    return execFileSync("pulumi", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { code?: string; stderr?: string };
    if (err.code === "ENOENT") throw new UsageError("the pulumi CLI is not on PATH: run `npm run bootstrap:pulumi` and `source scripts/pulumi-env.sh`, or pass --outputs <file>");
    throw new UsageError(`pulumi ${args.slice(0, 2).join(" ")} failed: ${cleanText((err.stderr ?? "").trim(), 2000)}`);
  }
}

/**
 * --url needs the token in the environment; --stack falls back to the gateway's Secret (via kubectl).
 * The token passes the same rule as the stack config's gatewayToken (never quoted in the message).
 */
function tokenFor(a: Args): string | undefined {
  const fromEnv = process.env[a.tokenEnv];
  if (fromEnv) {
    const problem = gatewayTokenProblem(fromEnv);
    if (problem) throw new UsageError(`the token in ${a.tokenEnv} ${problem}`);
    return fromEnv;
  }
  if (a.stack) return undefined;
  throw new UsageError(`no token: set ${a.tokenEnv} (or pass --token-env NAME)`);
}

interface StackOutputs {
  endpoints?: { namespace?: string; deployment?: string; service?: string | null };
  image?: { ref?: string };
  valuesHash?: string;
  bindPortProbe?: { bind?: string; port?: number; coldStartSeconds?: number; startupGraceSeconds?: number };
  /** Where the stack applies (index.ts output `cluster`): used unless --context is given. */
  cluster?: { context?: string | null; kubeconfig?: string | null } | null;
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
    context: a.context ?? o.cluster?.context ?? undefined,
    kubeconfig: a.context ? undefined : (o.cluster?.kubeconfig ?? undefined),
    runId: `cli-${Date.now().toString(36)}`,
  };
}

async function main(argv: string[]): Promise<number> {
  let a: Args;
  try {
    a = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message ? `${(e as Error).message}\n` : ""}${USAGE}\n`);
    return (e as Error).message ? 2 : 0;
  }
  // Every secret seen so far: whatever is printed, error or not, is redacted against all of them.
  const secrets: Array<string | undefined> = [process.env[a.tokenEnv]];
  const out = (stream: NodeJS.WriteStream, text: string) => stream.write(`${redact(text, secrets)}\n`);
  try {
    const token = tokenFor(a);
    if (a.url) {
      const ev = await runChecks({ baseUrl: a.url, token: token!, budgetMs: Math.round((a.budgetSeconds ?? 30) * 1000), pathName: a.pathName });
      out(process.stderr, formatEvidence(ev));
      out(process.stdout, JSON.stringify(redactDeep(ev, secrets), null, 2));
      return ev.ok ? 0 : 1;
    }
    const text = a.outputs ? readFileSync(a.outputs, "utf8") : pulumi(["stack", "output", "--json", "--stack", a.stack!]);
    const outputs = JSON.parse(text) as StackOutputs & { valuesHash?: string };
    const target = targetFromOutputs(outputs, a);
    const run = await runBothPaths(target, token, smokeBundle(), { bind: outputs.bindPortProbe?.bind, containerPort: target.port });
    secrets.push(run.token);
    const record = smokeRecord(target, run, outputs.valuesHash ?? "unknown", run.token ?? "");
    out(process.stderr, [formatEvidence(run.portForward), formatEvidence(run.inCluster), formatAgreement(run.agreement)].join("\n"));
    out(process.stdout, JSON.stringify(redactDeep(record, secrets), null, 2));
    return record.signedOff ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError) {
      out(process.stderr, e.message);
      return 2;
    }
    out(process.stderr, `smoke: ${cleanText(e instanceof Error ? e.message : String(e), 2000)}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    () => {
      // main() catches everything; never print an unredacted error here.
      process.stderr.write("smoke: internal error\n");
      process.exitCode = 1;
    },
  );
}
