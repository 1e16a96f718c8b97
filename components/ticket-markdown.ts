// Turns a stack's outputs (`pulumi stack output --json`) into the change-ticket
// section SREs paste: identity of the release, sizing, network tuple, smoke
// evidence, and the way back.
import { verdictLine, type EngineRecordSummary, type ResourceChange } from "./engine-events";
import type { ChangeTicket, StackOutputs } from "./ticket";
import { markdownCell } from "../policy-pack/rules/markdown";


export class TicketError extends Error {}

/** The change board's own fields: who asks, who signs, when. Not stack outputs: they belong to the ticket, not the deployment. */
export interface ApprovalFields {
  requester: string | null;
  approver: string | null;
  window: { start: string; end: string } | null;
}

/** A record of scripts/cli/deploy.ts with what the engine's event log says. */
export interface EngineEvidence {
  stack: string;
  kind: "update" | "preview";
  command: string;
  policyPack: { path: string; config: string | null; configSha256: string | null };
  startedAt: string;
  finishedAt: string;
  exitCode: number | null;
  summary: EngineRecordSummary;
}

export interface TicketInputs {
  approval?: ApprovalFields;
  /** The last recorded `pulumi up` and `pulumi preview` of this stack (scripts/cli/deploy.ts), when there are any. */
  engine?: { update?: EngineEvidence; preview?: EngineEvidence };
}

// ISO-8601 date and time with an explicit offset: a window without a time zone means different hours to each reader.
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function instantProblem(v: string): string | undefined {
  const m = ISO_INSTANT.exec(v);
  if (!m) return "is not an ISO-8601 date and time with a time zone, e.g. 2026-11-28T22:00:00Z or 2026-11-28T23:00:00+01:00";
  const [, y, mo, d, h, mi, sec] = m.map(Number);
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return `names a day that does not exist (${m[1]}-${m[2]}-${m[3]})`;
  if (h > 23 || mi > 59 || (sec || 0) > 59) return "has an hour, minute or second out of range";
  return undefined;
}

function personProblem(v: string): string | undefined {
  if (v.trim().length === 0) return "is blank";
  if (v !== v.trim()) return "has leading or trailing whitespace";
  if (v.length > 200) return `is ${v.length} characters; at most 200`;
  // Control and bidi characters would reorder or hide text in the ticket.
  if (/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(v)) return "contains control characters";
  return undefined;
}

/** Validates the board's fields as given on the command line; every problem names its flag and the right form. */
export function parseApproval(given: { requester?: string; approver?: string; windowStart?: string; windowEnd?: string }): ApprovalFields {
  const problems: string[] = [];
  for (const [flag, v] of [["--requester", given.requester], ["--approver", given.approver]] as const) {
    const p = v === undefined ? undefined : personProblem(v);
    if (p) problems.push(`${flag} ${p}; give a name or an e-mail address (at most 200 characters)`);
  }
  const { windowStart: start, windowEnd: end } = given;
  if ((start === undefined) !== (end === undefined)) {
    problems.push(`${start === undefined ? "--window-start" : "--window-end"} is missing: a change window needs both --window-start and --window-end (ISO-8601 with a time zone, e.g. 2026-11-28T22:00:00Z)`);
  }
  const ps = start === undefined ? undefined : instantProblem(start);
  const pe = end === undefined ? undefined : instantProblem(end);
  if (ps) problems.push(`--window-start ${JSON.stringify(start!.slice(0, 40))} ${ps}`);
  if (pe) problems.push(`--window-end ${JSON.stringify(end!.slice(0, 40))} ${pe}`);
  if (start !== undefined && end !== undefined && !ps && !pe && Date.parse(end) <= Date.parse(start)) {
    problems.push(`--window-end ${end} is not after --window-start ${start}; the window must end after it starts`);
  }
  if (problems.length > 0) throw new TicketError(problems.join("\n"));
  return { requester: given.requester ?? null, approver: given.approver ?? null, window: start !== undefined && end !== undefined ? { start, end } : null };
}

const SECRET_MASK = "[secret]";

export function renderTicket(outputs: StackOutputs, generatedAt: Date, inputs: TicketInputs = {}): { markdown: string; json: Record<string, unknown> } {
  const t = outputs.changeTicket;
  if (!t || typeof t !== "object" || !t.image || !t.program) {
    throw new TicketError("the stack outputs have no changeTicket: run `pulumi up` for this stack first (outputs come from `pulumi stack output --json`)");
  }
  const smoke = t.smoke;
  const contrast = (t.macContrast ?? null) as { markdown?: string } | null;
  const approval = inputs.approval ?? { requester: null, approver: null, window: null };
  const engine = engineFor(t, inputs.engine ?? {});
  const json = {
    generatedAt: generatedAt.toISOString(),
    ...t,
    smoke: smoke ?? null,
    macContrast: contrast,
    approval,
    engine: { update: engine.update ?? null, updateNotUsed: engine.updateNotUsed ?? null, preview: engine.preview ?? null },
  };
  const row = (k: string, v: unknown) => `| ${k} | ${cell(v)} |`;
  const r = t.resources;
  const n = t.network;
  const lines = [
    `## Change ticket: OpenClaw Gateway ${t.image.release} → ${t.environment}`,
    "",
    `Generated ${generatedAt.toISOString()} from stack \`${t.stack}\`${t.renderedOnly ? " (render-only stack: manifests were written to a directory, nothing was applied)" : ""}.`,
    "",
    "### Approval",
    "| field | value |",
    "|---|---|",
    row("change window", approval.window ? `${approval.window.start} → ${approval.window.end} (${Math.round((Date.parse(approval.window.end) - Date.parse(approval.window.start)) / 60_000)} min)` : "not given (npm run ticket -- --window-start <ISO-8601> --window-end <ISO-8601>)"),
    row("requester", approval.requester ?? "not given (--requester <name>)"),
    row("approver", approval.approver ?? "not given (--approver <name>)"),
    "",
    ...engineSections(t, engine),
    "### Release identity (runbook §4.1, §5)",
    "| field | value |",
    "|---|---|",
    row("image", `\`${t.image.ref}\``),
    row("digest", `\`${t.image.digest}\``),
    row("release", t.image.release),
    row("build id", t.image.buildId),
    row("program", `${t.program.name} ${t.program.version} @ \`${t.program.commit}\`${t.program.dirty ? " (uncommitted changes!)" : ""}`),
    row(
      "working tree at deploy",
      t.program.dirty
        ? "**dirty**: uncommitted changes when the program ran; the commit above does not fully identify what was deployed"
        : "clean: the commit above is exactly what ran",
    ),
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
    ...ingressRows(t.ingress),
    "",
    "### Smoke evidence: port-forward and in-cluster paths (runbook §4.5)",
    smoke?.evidence ? `Status: **${smoke.status}**\n\n${fenced(smoke.evidence)}` : `_${smoke?.status ?? "No smoke evidence in the outputs: the smoke checks did not run for this stack"}._`,
    "",
    ...ingressPathSection(smoke?.evidence),
  ];
  if (t.observe && !t.renderedOnly) {
    lines.push("### Observe (runbook §4.6)", `Dashboard queries; ${t.observe.window}.`, "", "| signal | PromQL |", "|---|---|");
    for (const [k, q] of Object.entries(t.observe.queries)) lines.push(row(k, `\`${q}\``));
    lines.push("");
  }
  if (contrast) lines.push("### Bare-metal contrast: the same release on the Mac (runbook §4.7)", contrast.markdown ?? fenced(contrast), "");
  lines.push(
    "### Rollback (runbook FAQ)",
    t.rollback.target ? `Target: \`${t.rollback.target.image}\` (release ${t.rollback.target.release}).` : "No rollback target recorded for this stack.",
    "",
  );
  if (t.renderedOnly) {
    // Nothing runs: no pods to undo, no gateway to smoke-test. Only re-rendering applies.
    lines.push("Render-only stack: nothing is deployed, so there is no emergency path and no smoke check; rolling back means rendering the previous image again:", fencedShell(t.rollback.pulumi), "");
  } else {
    lines.push(
      "The Pulumi way (state stays the source of truth):",
      fencedShell(t.rollback.pulumi),
      "",
      "The emergency way (fastest; reconcile state afterwards):",
      fencedShell(t.rollback.emergency),
      "",
      "After either:",
      // Without a Service the smoke check has no in-cluster path and refuses the stack: do not suggest it.
      fencedShell(t.endpoints.service ? t.rollback.afterRollback : t.rollback.afterRollback.filter((c) => !c.startsWith("npm run smoke"))),
      ...(t.endpoints.service ? [] : ["", "No Service (bind=loopback for same-pod sidecars): no smoke check applies; the in-pod probes and `kubectl rollout status` are the health signal."]),
      "",
    );
  }
  const markdown = lines.join("\n");
  return { markdown, json };
}

function cell(v: unknown): string {
  const s = v === null || v === undefined ? "—" : String(v);
  return s === SECRET_MASK ? "(secret)" : markdownCell(s);
}

/** The third path's evidence as a table: where it went and the certificate the controller presented. */
/** The Ingress rows of the network table: route, certificate source, the controller the NetworkPolicy admits. */
function ingressRows(ing: ChangeTicket["ingress"] | undefined): string[] {
  const row = (k: string, v: unknown) => `| ${k} | ${cell(v)} |`;
  if (!ing) return [row("Ingress", "none (no ingress in the stack config)")];
  return [
    row("Ingress", `${ing.name} (class ${ing.className}): ${ing.hosts.map((h) => `https://${h}`).join(", ")} → ${ing.backend}`),
    row("Ingress TLS", `Secret ${ing.tls.secretName}${ing.tls.issuer ? `, issued by cert-manager ${ing.tls.issuer}` : ", provided (not issued by the program)"}`),
    row("Ingress controller admitted", `\`${JSON.stringify(ing.controller)}\` (in network.ingressSources)`),
    row("Ingress smoke target", `${ing.url} resolved to ${ing.smoke.address}:${ing.smoke.port}, TLS verified against ${ing.smoke.caBundle}`),
  ];
}

function ingressPathSection(evidence: unknown): string[] {
  const ing = (evidence as { ingress?: { ok?: boolean; url?: string; durationMs?: number; checks?: Array<{ name: string; ok: boolean; failure: string | null }>; certificate?: Record<string, any> | null } } | null)?.ingress;
  if (!ing) return [];
  const c = ing.certificate;
  const row = (k: string, v: unknown) => `| ${k} | ${cell(v)} |`;
  const txt = (v: unknown) => (v === null || v === undefined ? "—" : String(v));
  const lines = [
    "### Smoke evidence: the Ingress path with TLS (runbook §5)",
    "| field | value |",
    "|---|---|",
    row("URL", txt(ing.url)),
    row("result", `${ing.ok ? "PASS" : "FAIL"} in ${txt(ing.durationMs)} ms: ${(ing.checks ?? []).map((x) => `${txt(x.name)} ${x.ok ? "ok" : txt(x.failure)}`).join(", ")}`),
  ];
  if (c) {
    lines.push(
      row("certificate subject", txt(c.subject)),
      row("certificate issuer", txt(c.issuer)),
      row("certificate names", txt((c.subjectAltNames ?? []).join(", "))),
      row("certificate valid", `${txt(c.validFrom)} to ${txt(c.validTo)}${c.expired ? " (EXPIRED)" : ""}`),
      row("verified", `chain against the stack's CA bundle: ${c.chainVerified ? "yes" : `no (${txt(c.chainError)})`}; host ${txt(c.host)}: ${c.hostMatches ? "matches" : "does not match"}`),
      row("fingerprint (SHA-256)", txt(c.fingerprint256)),
    );
  } else {
    lines.push(row("certificate", "none: no TLS handshake with the controller"));
  }
  lines.push("");
  return lines;
}

function fenced(v: unknown): string {
  return ["```json", JSON.stringify(v, null, 2), "```"].join("\n");
}

function fencedShell(cmds: string[]): string {
  return ["```sh", ...cmds, "```"].join("\n");
}

interface EngineForTicket {
  /** The recorded update, when it produced exactly this stack's outputs. */
  update?: EngineEvidence;
  /** Why a recorded update is not this deployment's evidence. */
  updateNotUsed?: string;
  /** A preview recorded after the last update: changes planned, not applied. */
  preview?: EngineEvidence;
}

/** Ties the records to this ticket: an update counts only when it produced these outputs. */
function engineFor(t: ChangeTicket, e: NonNullable<TicketInputs["engine"]>): EngineForTicket {
  const out: EngineForTicket = {};
  if (e.update) {
    const o = e.update.summary.stackOutputs;
    const mismatch = !o
      ? "its event log holds no stack outputs (the update did not finish)"
      : o.valuesHash !== t.valuesHash
        ? `it produced values hash ${o.valuesHash ?? "none"}, this stack's outputs have ${t.valuesHash}`
        : o.imageDigest !== t.image.digest
          ? `it deployed ${o.imageDigest ?? "no image"}, this stack's outputs have ${t.image.digest}`
          : o.programCommit !== t.program.commit
            ? `it ran commit ${o.programCommit ?? "unknown"}, this stack's outputs name ${t.program.commit}`
            : undefined;
    if (e.update.stack !== t.stack) out.updateNotUsed = `the record is for stack ${e.update.stack}, not ${t.stack}`;
    else if (mismatch) out.updateNotUsed = `the recorded update of ${e.update.finishedAt} is not the one behind these outputs: ${mismatch}`;
    else out.update = e.update;
  }
  if (e.preview && e.preview.stack === t.stack && (!e.update || Date.parse(e.preview.finishedAt) > Date.parse(e.update.finishedAt))) out.preview = e.preview;
  return out;
}

function engineSections(t: ChangeTicket, e: EngineForTicket): string[] {
  const deploy = `npm run deploy -- --stack ${t.stack}`;
  const lines: string[] = [];
  if (e.preview) lines.push(...engineRecordSection(e.preview, "Planned changes and policy verdict: `pulumi preview`, not applied yet"), "");
  if (e.update) {
    lines.push(...engineRecordSection(e.update, "Changes made and policy verdict: the `pulumi up` behind these outputs"), "");
  } else {
    lines.push(
      "### Changes made and policy verdict",
      `_Not recorded${e.updateNotUsed ? ` (${e.updateNotUsed})` : ""}: the engine's change list and the policy pack's verdict exist only for an update run with \`${deploy}\`, which records them; this ticket claims neither._`,
      "",
    );
  }
  return lines;
}

function engineRecordSection(r: EngineEvidence, title: string): string[] {
  const s = r.summary;
  const row = (k: string, v: unknown) => `| ${k} | ${cell(v)} |`;
  const lines = [`### ${title}`, "| field | value |", "|---|---|"];
  lines.push(row("command", `\`${r.command}\``));
  lines.push(row("ran", `${r.startedAt} → ${r.finishedAt}, exit ${r.exitCode ?? "killed"}, engine result ${s.result}`));
  if (s.policy) {
    lines.push(row("policy pack", s.policy.packs.map((p) => `${p.name} ${p.version}`).join(", ")));
    lines.push(row("policy pack config", r.policyPack.config ? `${r.policyPack.config} (sha256 ${r.policyPack.configSha256})` : "none: the pack's defaults"));
    lines.push(row("policy verdict", verdictLine(s.policy)));
  } else {
    lines.push(row("policy verdict", "no policy pack ran in this operation"));
  }
  const counts = Object.entries(s.counts).filter(([op]) => op !== "same").map(([op, n]) => `${op} ${n}`);
  lines.push(row("resource changes", `${counts.join(", ") || "none"}${s.counts.same ? ` (${s.counts.same} unchanged)` : ""}`));
  if (s.policy && s.policy.violations.length > 0) {
    lines.push("", "| level | policy | resource | message |", "|---|---|---|---|");
    for (const v of s.policy.violations) lines.push(`| ${cell(v.level)} | ${cell(v.policy)} | ${cell(v.urn ? v.urn.slice(v.urn.lastIndexOf("::") + 2) : "the stack")} | ${cell(v.message)} |`);
  }
  if (s.changes.length > 0) {
    lines.push("", "| op | resource | type | why |", "|---|---|---|---|");
    for (const c of s.changes) lines.push(`| ${cell(c.failed ? `${c.op} (failed)` : c.op)} | ${cell(c.name)} | ${cell(c.type)} | ${cell(changeWhy(c))} |`);
  }
  return lines;
}

function changeWhy(c: ResourceChange): string {
  if (c.op === "replace") return c.replaceReasons.length ? `replaced because of ${c.replaceReasons.join(", ")}` : "replaced (the engine named no key)";
  if (c.op === "update") return c.diffs.length ? `changed: ${c.diffs.join(", ")}` : "changed";
  return "—";
}
