// npm run diagnose -- --stack <name> [--context <kube context>] [--json]
// npm run diagnose -- --outputs <stack outputs.json> --pods <file> --events <file> [--nodes <file>] [--json]
// Reads the gateway pods' state, probe events and node conditions (kubectl, or
// files saved from `kubectl get … -o json`) and prints an OOMKilled/NotReady
// diagnosis in the runbook FAQ's order, with a decision: roll back, retune or fix config.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { diagnose, type EventDoc, type NodeDoc, type PodDoc } from "../components/diagnose";
import type { ChangeTicket } from "../components/ticket";

const USAGE =
  "usage: npm run diagnose -- --stack <name> [--context <ctx>] [--json]\n" +
  "       npm run diagnose -- --outputs <file> --pods <file> --events <file> [--nodes <file>] [--json]";

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

function readJson(file: string, what: string): any {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`${what} ${file}: cannot read the file`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${what} ${file}: not JSON (save it with \`kubectl get … -o json\` or \`pulumi stack output --json\`)`);
  }
}

function main(argv: string[]): number {
  const a: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(stack|context|outputs|pods|events|nodes|json)$/.exec(argv[i]);
    if (!m) throw new UsageError(`unexpected argument "${argv[i]}"\n${USAGE}`);
    if (m[1] === "json") a.json = true;
    else if (argv[i + 1] === undefined) throw new UsageError(`--${m[1]} needs a value\n${USAGE}`);
    else a[m[1]] = argv[++i];
  }
  const outputs = a.outputs
    ? readJson(a.outputs as string, "--outputs")
    : a.stack
      ? JSON.parse(run("pulumi", ["stack", "output", "--json", "--stack", a.stack as string]))
      : undefined;
  if (!outputs) throw new UsageError(`--stack or --outputs is required\n${USAGE}`);
  const ticket = outputs.changeTicket as ChangeTicket | undefined;
  if (!ticket?.endpoints) throw new UsageError("the stack outputs have no changeTicket: run `pulumi up` for this stack first");
  const ns = ticket.endpoints.namespace;
  const selector = `app.kubernetes.io/name=openclaw-gateway,app.kubernetes.io/instance=${ticket.environment}`;
  // The stack's own cluster (output `cluster`) unless --context says otherwise.
  const target: { context?: string | null; kubeconfig?: string | null } = outputs.cluster ?? {};
  const context = (a.context as string | undefined) ?? target.context ?? undefined;
  const kubeconfig = a.context ? undefined : (target.kubeconfig ?? undefined);
  const kube = (...args: string[]) =>
    JSON.parse(run("kubectl", [...(kubeconfig ? ["--kubeconfig", kubeconfig] : []), ...(context ? ["--context", context] : []), ...args, "-o", "json"]));
  const pods: PodDoc[] = (a.pods ? readJson(a.pods as string, "--pods") : kube("--namespace", ns, "get", "pods", "-l", selector)).items ?? [];
  const events: EventDoc[] = (a.events ? readJson(a.events as string, "--events") : kube("--namespace", ns, "get", "events")).items ?? [];
  const nodes: NodeDoc[] = (a.nodes ? readJson(a.nodes as string, "--nodes") : a.pods ? { items: [] } : kube("get", "nodes")).items ?? [];

  const d = diagnose({ pods, events, nodes, ticket });
  if (a.json) {
    process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
  } else {
    process.stdout.write(`${ticket.environment}: ${d.summary}\n`);
    for (const f of d.findings) {
      process.stdout.write(`\n[${f.decision}] ${f.signal}${f.pod ? ` (${f.pod})` : ""}\n  evidence:     ${f.evidence}\n  likely cause: ${f.likelyCause}\n  next step:    ${f.nextStep}\n`);
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
