// npm run smoke -- --url <base-url> [--token-env NAME] [--budget-seconds N] [--path-name NAME]
//   Runs the four checks against any gateway URL (e.g. after your own
//   `kubectl port-forward deploy/openclaw-gateway 18789:18789`).
// npm run smoke -- --stack <name> [--outputs <file>] [--context <kube context>] [--token-env NAME] [--budget-seconds N]
//                  [--ca-bundle <file> | --no-ingress]
//   Re-runs both paths (port-forward and the in-cluster Job) for a deployed stack, and the
//   third, https://<host> through the ingress controller, when the stack has an Ingress,
//   from its outputs and the current kubeconfig — e.g. after `kubectl rollout undo`
//   (runbook FAQ). The token comes from --token-env, else from the gateway's Secret.
//
// Prints the evidence JSON on stdout and a readable summary on stderr; exits 0
// when everything passes (and both paths agree), 1 when not, 2 on bad usage.
import { smokeBundle } from "../../components/smoke/bundle";
import { baseUrlProblem, formatEvidence, gatewayTokenProblem, maskUrl, runChecks } from "../../components/smoke/checks";
import { cleanText, redact, redactDeep } from "../../components/smoke/redact";
import { formatAgreement } from "../../components/smoke/agreement";
import { ingressTargetProblem, type IngressTarget } from "../../components/smoke/ingress";
import { runBothPaths } from "../../components/smoke/kube";
import { smokeRecord } from "../../components/smoke/record";
import { type ClusterTarget } from "../../components/smoke/target";
import { readCaBundle } from "../../components/ingress-ca";
import type { ChangeTicket } from "../../components/ticket";
import { GATEWAY } from "../../policy-pack/rules/names";
import { parseCommandLine } from "./lib/args";
import { readChangeTicket, renderOnlySentence, renderOnlyStack, requireDeployed, StackError } from "./lib/stack";

const USAGE = [
  "usage: npm run smoke -- --url <base-url> [--token-env NAME] [--budget-seconds N] [--path-name NAME]",
  "       npm run smoke -- --stack <name> [--outputs <file>] [--context <kube context>] [--token-env NAME] [--budget-seconds N]",
  "                            [--ca-bundle <file> | --no-ingress]",
  "  --url <base-url>        any gateway, e.g. after your own kubectl port-forward (the token from --token-env)",
  "  --stack <name>          both paths (port-forward and the in-cluster Job) for a deployed stack; its outputs",
  "                          come from the bootstrapped Pulumi CLI when none is on PATH (local and dev: always)",
  "  --outputs <file>        the stack's outputs saved with `pulumi stack output --json`",
  "  --context <ctx>         kube context (default: the stack's own, output `cluster`)",
  "  --ca-bundle <file>      with an Ingress: the CA bundle to verify its certificate against (default: the",
  "                          stack's ingress.smoke.caBundle, output `ingress`)",
  "  --no-ingress            with an Ingress: check port-forward and in-cluster only (the ticket's sign-off needs all three)",
  "  --token-env NAME        environment variable holding the token (default OPENCLAW_GATEWAY_TOKEN;",
  "                          with --stack, unset: read from the gateway's Secret)",
  "  --budget-seconds N      how long to wait for the gateway to answer",
  "  --path-name NAME        the path's name in the evidence (default cli)",
  "  exit 0: passed (both paths agree); 1: failed; 2: bad usage or nothing deployed to check",
].join("\n");

interface Args {
  url?: string;
  stack?: string;
  outputs?: string;
  context?: string;
  tokenEnv: string;
  budgetSeconds?: number;
  pathName: string;
  caBundle?: string;
  noIngress: boolean;
}

class UsageError extends Error {}

export function parseArgs(argv: string[]): Args {
  // Unknown flags and stray arguments exit 2 there, never echoed whole: one may be a pasted token.
  const { values: v } = parseCommandLine(
    {
      name: "smoke",
      usage: USAGE,
      options: {
        url: { type: "string" },
        stack: { type: "string" },
        outputs: { type: "string" },
        context: { type: "string" },
        "token-env": { type: "string" },
        "budget-seconds": { type: "string" },
        "path-name": { type: "string" },
        "ca-bundle": { type: "string" },
        "no-ingress": { type: "boolean" },
      },
    },
    argv,
  );
  const a: Args = {
    url: v.url,
    stack: v.stack,
    outputs: v.outputs,
    context: v.context,
    tokenEnv: v["token-env"] ?? "OPENCLAW_GATEWAY_TOKEN",
    pathName: v["path-name"] ?? "cli",
    caBundle: v["ca-bundle"],
    noIngress: v["no-ingress"] ?? false,
  };
  if (a.caBundle !== undefined && a.noIngress) throw new UsageError("give --ca-bundle or --no-ingress, not both");
  if ((a.caBundle !== undefined || a.noIngress) && !a.stack) throw new UsageError(`${a.noIngress ? "--no-ingress" : "--ca-bundle"} goes with --stack (the Ingress path of a deployed stack)`);
  if (v["budget-seconds"] !== undefined) {
    const n = Number(v["budget-seconds"]);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError("--budget-seconds must be a positive number");
    a.budgetSeconds = n;
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

/** The stack's change ticket (--outputs or --stack); a render-only stack is refused in one sentence. */
function ticketFor(a: Args): ChangeTicket {
  try {
    const t = readChangeTicket(a);
    requireDeployed(t, a.stack, "smoke-test");
    return t;
  } catch (e) {
    if (e instanceof StackError) throw new UsageError(cleanText(e.message, 2000));
    throw e;
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

/**
 * The third path's target from the ticket's `ingress`, the CA bundle read from
 * --ca-bundle or the path the stack names; undefined when the stack has no Ingress or
 * --no-ingress is given. A bundle that cannot be read here is a usage error naming both.
 */
export function ingressTargetFromTicket(t: ChangeTicket, a: Pick<Args, "caBundle" | "noIngress">): IngressTarget | undefined {
  const ing = t.ingress;
  if (!ing || a.noIngress) return undefined;
  const bundle = a.caBundle ?? ing.smoke?.caBundle;
  if (!ing.name || !ing.smoke?.host || !ing.smoke.address || !ing.smoke.port || !bundle) {
    throw new UsageError("the change ticket's `ingress` lacks name or smoke.host/address/port/caBundle: re-run pulumi up with this version of the program, or pass --no-ingress");
  }
  let caPem: string;
  try {
    caPem = readCaBundle(bundle);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "does not exist on this machine" : err.code ? `cannot be read (${err.code})` : err.message;
    throw new UsageError(
      `${a.caBundle !== undefined ? "--ca-bundle" : "the stack's ingress.smoke.caBundle"} ${cleanText(bundle, 300)} ${why}: pass --ca-bundle <PEM file with the CA that signed the Ingress certificate>, or --no-ingress to check two paths only`,
    );
  }
  const target: IngressTarget = { host: ing.smoke.host, address: ing.smoke.address, port: ing.smoke.port, caPem, ingressName: ing.name };
  const problem = ingressTargetProblem(target);
  if (problem) throw new UsageError(`the change ticket's ingress: ${problem}`);
  return target;
}

/** The cluster target of a deployed stack, from its change ticket. */
export function targetFromTicket(t: ChangeTicket, a: Pick<Args, "context" | "budgetSeconds">): ClusterTarget {
  const service = t.endpoints.service;
  if (!service) throw new UsageError("the stack has no Service (bind=loopback for same-pod sidecars): there is no in-cluster path to check");
  return {
    namespace: t.endpoints.namespace,
    serviceName: service,
    deploymentName: t.endpoints.deployment,
    port: t.network.port,
    image: t.image.ref,
    tokenSecretName: GATEWAY.tokenSecretName,
    tokenSecretKey: GATEWAY.tokenSecretKey,
    budgetMs: Math.round((a.budgetSeconds ?? t.network.smokeBudgetSeconds) * 1000),
    context: a.context ?? t.cluster?.context ?? undefined,
    kubeconfig: a.context ? undefined : (t.cluster?.kubeconfig ?? undefined),
    runId: `cli-${Date.now().toString(36)}`,
  };
}

async function main(argv: string[]): Promise<number> {
  let a: Args;
  try {
    a = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`smoke: ${(e as Error).message}\n(npm run smoke -- --help shows the usage)\n`);
    return 2;
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
    // Nothing deployed to check: one sentence instead of kubectl's connection errors.
    if (!a.outputs && renderOnlyStack(a.stack!)) throw new UsageError(renderOnlySentence(a.stack!, "smoke-test"));
    const ticket = ticketFor(a);
    const ingress = ingressTargetFromTicket(ticket, a);
    const target: ClusterTarget = { ...targetFromTicket(ticket, a), ...(ingress ? { ingress } : {}) };
    const run = await runBothPaths(target, token, smokeBundle(), { bind: ticket.network.bind, containerPort: target.port });
    secrets.push(run.token);
    const record = smokeRecord(target, run, ticket.valuesHash, run.token ?? "");
    out(process.stderr, [formatEvidence(run.portForward), formatEvidence(run.inCluster), ...(run.ingress ? [formatEvidence(run.ingress)] : []), formatAgreement(run.agreement)].join("\n"));
    out(process.stdout, JSON.stringify(redactDeep(record, secrets), null, 2));
    return record.signedOff ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError) {
      out(process.stderr, `smoke: ${e.message}`);
      return 2;
    }
    out(process.stderr, `smoke: ${cleanText(e instanceof Error ? e.message : String(e), 2000)}`);
    return 1;
  }
}

/**
 * Exits once stdout and stderr have been flushed. The evidence is complete when main()
 * returns, but after a --stack run the process stayed alive for minutes on timers it
 * no longer needed (eight "Timeout" resources, no socket or child left; seen on the dev
 * cluster), so a script waiting for the exit code waited too.
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

if (require.main === module) {
  main(process.argv.slice(2)).then(exitWhenFlushed, () => {
    // main() catches everything; never print an unredacted error here.
    process.stderr.write("smoke: internal error\n");
    exitWhenFlushed(1);
  });
}
