// What the Pulumi engine itself said about one `pulumi preview` or `pulumi up`:
// the steps it took per resource (with the keys that forced a replacement) and the
// policy pack's verdict. Read from the engine's event log (`--event-log`, one JSON
// event per line, apitype.EngineEvent of pulumi 3.274.1), the only engine output
// that carries both: `--json` leaves the policy events out. Pure: scripts/cli/deploy.ts
// records the log, scripts/cli/ticket.ts reads it.

/** One resource the operation changed (steps of the same resource folded into one line). */
export interface ResourceChange {
  /** create | update | replace | delete | import | … as the engine names the step; "replace" covers create-replacement/delete-replaced. */
  op: string;
  urn: string;
  type: string;
  name: string;
  /** Property keys that forced the replacement (engine `keys`); empty unless op is replace. */
  replaceReasons: string[];
  /** Property paths that differ (engine `diffs` and the detailed diff's paths). */
  diffs: string[];
  /** The engine reported this step as failed. */
  failed: boolean;
}

interface PolicyViolation {
  policy: string;
  pack: string;
  /** mandatory | advisory | remediate | disabled, as the pack declared it. */
  level: string;
  urn: string | null;
  message: string;
}

export interface PolicyVerdict {
  /** Packs that ran: name and version as the engine loaded them. */
  packs: { name: string; version: string }[];
  /** Policies that reported nothing on any resource or on the stack. */
  passed: string[];
  violations: PolicyViolation[];
}

export interface EngineRecordSummary {
  kind: "preview" | "update";
  /** succeeded | failed | cancelled …, from the engine's summary; "incomplete" when the log has none. */
  result: string;
  /** When the engine finished (its last event), ISO-8601. */
  finishedAt: string | null;
  durationSeconds: number | null;
  /** Engine totals per op, e.g. {create: 11} or {same: 10, update: 1}. */
  counts: Record<string, number>;
  changes: ResourceChange[];
  /** null when no policy pack ran in this operation. */
  policy: PolicyVerdict | null;
  /** The stack's outputs the operation produced (update only): what ties the record to a ticket. */
  stackOutputs: { valuesHash: string | null; imageDigest: string | null; programCommit: string | null } | null;
}

export class EngineLogError extends Error {}

const REPLACE_STEPS = new Set(["replace", "create-replacement", "delete-replaced", "import-replacement", "read-replacement"]);
/** Steps that change nothing in the cluster or the state the board cares about. */
const NO_CHANGE = new Set(["same", "read", "refresh", "discard", "remove-pending-replace"]);

type Metadata = { op: string; urn: string; type: string; keys?: string[]; diffs?: string[]; detailedDiff?: Record<string, { diffKind: string }> | null };
type Event = {
  timestamp?: number;
  resourcePreEvent?: { metadata: Metadata; planning?: boolean };
  resOutputsEvent?: { metadata: Metadata & { new?: { outputs?: Record<string, unknown> } | null } };
  resOpFailedEvent?: { metadata: Metadata };
  policyEvent?: { resourceUrn?: string; message: string; policyName: string; policyPackName: string; policyPackVersion: string; enforcementLevel: string };
  policyAnalyzeSummaryEvent?: { policyPackName: string; policyPackVersion: string; passed?: string[]; failed?: string[] };
  policyAnalyzeStackSummaryEvent?: { policyPackName: string; policyPackVersion: string; passed?: string[]; failed?: string[] };
  summaryEvent?: { durationSeconds: number; resourceChanges: Record<string, number>; PolicyPacks?: Record<string, string>; isPreview: boolean; result?: string };
};

/** The resource's name: the last URN segment (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function urnName(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i < 0 ? urn : urn.slice(i + 2);
}

// The engine sends a violation as "<policy description>\n<what is wrong>\n": the board
// needs the second part, on one line.
function violationText(message: string): string {
  const lines = message.split("\n").map((l) => l.trim()).filter(Boolean);
  return (lines.length > 1 ? lines.slice(1) : lines).join(" ").replace(/\s+/g, " ");
}
const LEVEL_ORDER = ["mandatory", "remediate", "advisory", "disabled"];

export function parseEngineEvents(text: string): EngineRecordSummary {
  const events: Event[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    try {
      events.push(JSON.parse(line) as Event);
    } catch {
      // The engine writes whole lines; a torn last line means it was killed mid-write.
      if (i >= lines.length - 2) continue;
      throw new EngineLogError(`line ${i + 1} is not a JSON engine event`);
    }
  }
  if (events.length === 0) throw new EngineLogError("the event log is empty");
  const summary = events.find((e) => e.summaryEvent)?.summaryEvent;
  const kind: "preview" | "update" = summary ? (summary.isPreview ? "preview" : "update") : events.some((e) => e.resourcePreEvent?.planning) ? "preview" : "update";

  // Steps per URN in the order the engine ran them; a replacement is several steps.
  const byUrn = new Map<string, ResourceChange>();
  const step = (m: Metadata, failed: boolean) => {
    if (NO_CHANGE.has(m.op) && !failed) return;
    const c = byUrn.get(m.urn) ?? { op: m.op, urn: m.urn, type: m.type, name: urnName(m.urn), replaceReasons: [], diffs: [], failed: false };
    if (REPLACE_STEPS.has(m.op)) c.op = "replace";
    // `keys` are the top-level properties forcing the replacement; the detailed diff names
    // the exact paths (and is all the kubernetes provider reports for an update).
    const detailed = Object.entries(m.detailedDiff ?? {});
    for (const k of [...(m.keys ?? []), ...detailed.filter(([, d]) => d.diffKind.endsWith("-replace")).map(([k]) => k)]) if (!c.replaceReasons.includes(k)) c.replaceReasons.push(k);
    for (const k of [...(m.diffs ?? []), ...detailed.map(([k]) => k)]) if (!c.diffs.includes(k)) c.diffs.push(k);
    c.failed ||= failed;
    byUrn.set(m.urn, c);
  };
  for (const e of events) {
    if (e.resourcePreEvent) step(e.resourcePreEvent.metadata, false);
    if (e.resOpFailedEvent) step(e.resOpFailedEvent.metadata, true);
  }
  const changes = [...byUrn.values()].map((c) => (c.op === "replace" ? c : { ...c, replaceReasons: [] }));

  const packs = new Map<string, { name: string; version: string }>();
  const passed = new Set<string>();
  const failedPolicies = new Set<string>();
  const violations: PolicyViolation[] = [];
  for (const e of events) {
    const s = e.policyAnalyzeSummaryEvent ?? e.policyAnalyzeStackSummaryEvent;
    if (s) {
      packs.set(`${s.policyPackName}@${s.policyPackVersion}`, { name: s.policyPackName, version: s.policyPackVersion });
      for (const p of s.passed ?? []) passed.add(p);
      for (const p of s.failed ?? []) failedPolicies.add(p);
    }
    const v = e.policyEvent;
    if (v) {
      packs.set(`${v.policyPackName}@${v.policyPackVersion}`, { name: v.policyPackName, version: v.policyPackVersion });
      failedPolicies.add(v.policyName);
      violations.push({ policy: v.policyName, pack: v.policyPackName, level: v.enforcementLevel, urn: v.resourceUrn || null, message: violationText(v.message) });
    }
  }
  // Packs the engine loaded but that never reported (e.g. the run failed before analysis) still count as run.
  for (const [key, version] of Object.entries(summary?.PolicyPacks ?? {})) {
    const name = key.split("|")[0];
    if (![...packs.values()].some((p) => p.name === name)) packs.set(`${name}@${version}`, { name, version });
  }
  const policy = packs.size === 0 ? null : { packs: [...packs.values()], passed: [...passed].filter((p) => !failedPolicies.has(p)).sort(), violations };

  let stackOutputs: EngineRecordSummary["stackOutputs"] = null;
  if (kind === "update") {
    const out = [...events].reverse().find((e) => e.resOutputsEvent?.metadata.type === "pulumi:pulumi:Stack")?.resOutputsEvent?.metadata.new?.outputs;
    if (out) {
      const str = (v: unknown) => (typeof v === "string" ? v : null);
      stackOutputs = {
        valuesHash: str(out.valuesHash),
        imageDigest: str((out.image as { digest?: unknown } | undefined)?.digest),
        programCommit: str(out.programCommit),
      };
    }
  }
  const last = [...events].reverse().find((e) => typeof e.timestamp === "number")?.timestamp;
  return {
    kind,
    result: summary ? (summary.result ?? "succeeded") : "incomplete",
    finishedAt: last ? new Date(last * 1000).toISOString() : null,
    durationSeconds: summary?.durationSeconds ?? null,
    counts: summary?.resourceChanges ?? {},
    changes,
    policy,
    stackOutputs,
  };
}

/** "0 violations" / "2 mandatory, 1 advisory": what the board reads first. */
export function verdictLine(p: PolicyVerdict): string {
  if (p.violations.length === 0) return `passed: 0 violations (${p.passed.length} policies reported nothing)`;
  const by = new Map<string, number>();
  const rank = (l: string) => (LEVEL_ORDER.includes(l) ? LEVEL_ORDER.indexOf(l) : LEVEL_ORDER.length);
  for (const v of [...p.violations].sort((a, b) => rank(a.level) - rank(b.level))) by.set(v.level, (by.get(v.level) ?? 0) + 1);
  const parts = [...by.entries()].map(([level, n]) => `${n} ${level}`);
  return `${by.has("mandatory") ? "failed" : "passed with findings"}: ${parts.join(", ")} violation${p.violations.length === 1 ? "" : "s"}`;
}
