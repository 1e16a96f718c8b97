// Turns a stack's outputs (`pulumi stack output --json`) into the change-ticket
// section SREs paste: identity of the release, sizing, network tuple, smoke
// evidence, and the way back.
import type { ChangeTicket } from "./ticket";

export interface StackOutputs {
  changeTicket?: ChangeTicket;
  /** Flat smoke outputs (older stacks carry them outside changeTicket). */
  smokeEvidence?: unknown;
  smokeStatus?: unknown;
  /** The Mac node's outputs, with its contrast table. */
  mac?: unknown;
  [key: string]: unknown;
}

export class TicketError extends Error {}

const SECRET_MASK = "[secret]";

export function renderTicket(outputs: StackOutputs, generatedAt: Date): { markdown: string; json: Record<string, unknown> } {
  const t = outputs.changeTicket;
  if (!t || typeof t !== "object" || !t.image || !t.program) {
    throw new TicketError("the stack outputs have no changeTicket: run `pulumi up` for this stack first (outputs come from `pulumi stack output --json`)");
  }
  const smoke = t.smoke ?? (outputs.smokeEvidence ? { status: String(outputs.smokeStatus ?? "unknown"), evidence: outputs.smokeEvidence } : undefined);
  const contrast = (t.macContrast ?? (outputs.mac as { contrast?: unknown } | null | undefined)?.contrast ?? null) as { markdown?: string } | null;
  const json = { generatedAt: generatedAt.toISOString(), ...t, smoke: smoke ?? null, macContrast: contrast };
  const row = (k: string, v: unknown) => `| ${k} | ${cell(v)} |`;
  const r = t.resources;
  const n = t.network;
  const lines = [
    `## Change ticket: OpenClaw Gateway ${t.image.release} → ${t.environment}`,
    "",
    `Generated ${generatedAt.toISOString()} from stack \`${t.stack}\`${t.renderedOnly ? " (render-only stack: manifests were written to a directory, nothing was applied)" : ""}.`,
    "",
    "### Release identity (runbook §4.1, §5)",
    "| field | value |",
    "|---|---|",
    row("image", `\`${t.image.ref}\``),
    row("digest", `\`${t.image.digest}\``),
    row("release", t.image.release),
    row("build id", t.image.buildId),
    row("program", `${t.program.name} ${t.program.version} @ \`${t.program.commit}\`${t.program.dirty ? " (uncommitted changes!)" : ""}`),
    row("values hash", `\`${t.valuesHash}\``),
    // Resource plugins are registered under a version; the language host is whatever is on PATH.
    ...(t.program.plugins ?? []).map((pl) =>
      row(`engine plugin ${pl.plugin}`, `${pl.plugin.startsWith("language ") ? "" : "registered as "}${pl.registeredAs}; built from ${pl.builtFrom}`),
    ),
    "",
    "### Resources (runbook §4.2, §5)",
    "| field | value |",
    "|---|---|",
    row("observed P95 working set", r.observed.p95WorkingSet),
    row("observed boot peak", r.observed.bootPeak),
    row("observed figures from", r.observed.source),
    row("requests", `memory ${r.requests.memory}, cpu ${r.requests.cpu}`),
    row("limits", `memory ${r.limits.memory}${r.limits.cpu ? `, cpu ${r.limits.cpu}` : ", no CPU limit"}`),
    row("headroom", `${r.headroomRatio}× max(P95, boot peak) (allowed ${r.headroomPolicy.minRatio}–${r.headroomPolicy.maxRatio}${r.headroomPolicy.reason ? `: ${r.headroomPolicy.reason}` : ""})`),
    row("V8 heap cap", `--max-old-space-size=${r.nodeHeapCapMiB}`),
    row("replicas / rollout", `${t.replicas} / ${t.rolloutStrategy}`),
    "",
    "### Bind, ports and probes (runbook §4.3, §4.4)",
    "| field | value |",
    "|---|---|",
    row("bind", n.bind),
    row("config port = containerPort = Service targetPort", `${n.port} = ${n.containerPort.name}/${n.containerPort.number} = ${n.serviceTargetPort ?? "no Service"}`),
    row("startup probe", `${n.probes.startup} (grace ${n.startupGraceSeconds} s)`),
    row("readiness probe", n.probes.readiness),
    row("liveness probe", n.probes.liveness),
    row("ingress sources", n.ingressSources.map((s) => `\`${JSON.stringify(s)}\``).join("<br>")),
    row("kubelet (probe) CIDRs", n.kubeletCidrs.join(", ")),
    row("egress", `${n.egress.dns ? "DNS" : "no DNS"}${n.egress.httpsCidrs.length ? `; HTTPS to ${n.egress.httpsCidrs.join(", ")}` : "; no HTTPS"}`),
    row("in-cluster URL", t.endpoints.serviceUrl ?? "no Service"),
    "",
    "### Smoke evidence: port-forward and in-cluster paths (runbook §4.5)",
    smoke?.evidence ? `Status: **${smoke.status}**\n\n${fenced(smoke.evidence)}` : `_${smoke?.status ?? "No smoke evidence in the outputs: the smoke checks did not run for this stack"}._`,
    "",
  ];
  if (t.observe) {
    lines.push("### Observe (runbook §4.6)", `Dashboard queries; ${t.observe.window}.`, "", "| signal | PromQL |", "|---|---|");
    for (const [k, q] of Object.entries(t.observe.queries)) lines.push(row(k, `\`${q}\``));
    lines.push("");
  }
  if (contrast) lines.push("### Bare-metal contrast: the same release on the Mac (runbook §4.7)", contrast.markdown ?? fenced(contrast), "");
  lines.push(
    "### Rollback (runbook FAQ)",
    t.rollback.target ? `Target: \`${t.rollback.target.image}\` (release ${t.rollback.target.release}).` : "No rollback target recorded for this stack.",
    "",
    "The Pulumi way (state stays the source of truth):",
    fencedShell(t.rollback.pulumi),
    "",
    "The emergency way (fastest; reconcile state afterwards):",
    fencedShell(t.rollback.emergency),
    "",
    "After either:",
    fencedShell(t.rollback.afterRollback),
    "",
  );
  const markdown = lines.join("\n");
  return { markdown, json };
}

function cell(v: unknown): string {
  const s = v === null || v === undefined ? "—" : String(v);
  return s === SECRET_MASK ? "(secret)" : s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function fenced(v: unknown): string {
  return ["```json", JSON.stringify(v, null, 2), "```"].join("\n");
}

function fencedShell(cmds: string[]): string {
  return ["```sh", ...cmds, "```"].join("\n");
}
