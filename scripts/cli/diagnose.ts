// npm run diagnose -- --stack <name> [--context <kube context>] [--json]
// npm run diagnose -- --outputs <stack outputs.json> --pods <file> --events <file> [--nodes <file>] [--json]
// Reads the gateway pods' state, probe events and node conditions (kubectl, or
// files saved from `kubectl get … -o json`) and prints an OOMKilled/NotReady
// diagnosis in the runbook FAQ's order, with a decision: roll back, retune or fix config.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { diagnose, type EventDoc, type NodeDoc, type PodDoc } from "../../components/diagnose";
import type { ChangeTicket } from "../../components/ticket";
import { selectorArg } from "../../policy-pack/rules/names";
import { parseCommandLine } from "./lib/args";
import { readChangeTicket, renderOnlySentence, renderOnlyStack, requireDeployed, StackError } from "./lib/stack";

const USAGE = [
  "usage: npm run diagnose -- --stack <name> [--context <ctx>] [--json]",
  "       npm run diagnose -- --outputs <file> --pods <file> --events <file> [--nodes <file>] [--json]",
  "  --stack <name>     a deployed stack: its outputs (the bootstrapped Pulumi CLI when none is on PATH), then kubectl",
  "  --context <ctx>    kube context (default: the stack's own, output `cluster`)",
  "  --outputs <file>   stack outputs saved with `pulumi stack output --json`",
  "  --pods/--events/--nodes <file>   saved `kubectl get … -o json` documents (offline)",
  "  --json             print the diagnosis as JSON",
  "  exit 0: healthy; 1: findings; 2: bad usage, unreadable input or nothing deployed to diagnose",
].join("\n");

class UsageError extends Error {}

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 2 ** 20 });
  } catch (e) {
    const err = e as { code?: string; stderr?: string };
    if (err.code === "ENOENT") throw new UsageError(`${cmd} is not on PATH`);
    throw new UsageError(`${cmd} ${args.join(" ")} failed: ${(err.stderr ?? "").trim()}`);
  }
}

/** A `kubectl get … -o json` list, as saved or as kubectl prints it: its items are taken as the documents they claim to be. */
type List<T> = { items?: T[] };

function readJson<T>(file: string, what: string): List<T> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`${what} ${file}: cannot read the file`);
  }
  try {
    return JSON.parse(text) as List<T>;
  } catch {
    throw new UsageError(`${what} ${file}: not JSON (save it with \`kubectl get … -o json\` or \`pulumi stack output --json\`)`);
  }
}

function main(argv: string[]): number {
  const { values: a } = parseCommandLine(
    {
      name: "diagnose",
      usage: USAGE,
      options: {
        stack: { type: "string" },
        context: { type: "string" },
        outputs: { type: "string" },
        pods: { type: "string" },
        events: { type: "string" },
        nodes: { type: "string" },
        json: { type: "boolean" },
      },
    },
    argv,
  );
  // Nothing to read from a cluster: say so before pulumi or kubectl fail on it.
  if (a.stack && !a.outputs && renderOnlyStack(a.stack)) throw new UsageError(renderOnlySentence(a.stack, "diagnose"));
  let ticket: ChangeTicket;
  try {
    ticket = readChangeTicket(a);
    if (!a.pods) requireDeployed(ticket, a.stack, "diagnose");
  } catch (e) {
    if (e instanceof StackError) throw new UsageError(e.message);
    throw e;
  }
  const ns = ticket.endpoints.namespace;
  const selector = selectorArg(ticket.environment);
  // The stack's own cluster (the ticket's `cluster`) unless --context says otherwise.
  const target: { context?: string | null; kubeconfig?: string | null } = ticket.cluster ?? {};
  const context = a.context ?? target.context ?? undefined;
  const kubeconfig = a.context ? undefined : (target.kubeconfig ?? undefined);
  const kube = <T>(...args: string[]) =>
    JSON.parse(run("kubectl", [...(kubeconfig ? ["--kubeconfig", kubeconfig] : []), ...(context ? ["--context", context] : []), ...args, "-o", "json"])) as List<T>;
  const pods = (a.pods ? readJson<PodDoc>(a.pods, "--pods") : kube<PodDoc>("--namespace", ns, "get", "pods", "-l", selector)).items ?? [];
  const events = (a.events ? readJson<EventDoc>(a.events, "--events") : kube<EventDoc>("--namespace", ns, "get", "events")).items ?? [];
  const nodes = (a.nodes ? readJson<NodeDoc>(a.nodes, "--nodes") : a.pods ? { items: [] } : kube<NodeDoc>("get", "nodes")).items ?? [];

  const d = diagnose({ pods, events, nodes, ticket });
  if (a.json) {
    process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
  } else {
    process.stdout.write(`${ticket.environment}: ${d.summary}\n`);
    for (const f of d.findings) {
      process.stdout.write(`\n[${f.decision}] ${f.signal}${f.pod ? ` (${f.pod})` : ""}\n  evidence:     ${f.evidence}\n  likely cause: ${f.likelyCause} [${f.cause}]\n  next step:    ${f.nextStep}\n`);
    }
    if (d.decision === "roll back") process.stdout.write(`\nrollback:\n  ${ticket.rollback.emergency.join("\n  ")}\n`);
  }
  return d.healthy ? 0 : 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  process.stderr.write(`diagnose: ${e.message}\n`);
  process.exitCode = 2;
}
