// Bare-metal contrast sign-off (runbook step 7: "repeat key health signals with the same
// digest … and document deltas"): the Kubernetes and the Mac evidence side by side, for the
// change ticket. Pure: the evidence comes from components/smoke/checks.ts `runChecks`.
import type { CheckResult, Evidence } from "../smoke/checks";
import { markdownCell } from "../../policy-pack/rules/markdown";

export interface TrackEvidence {
  /** "kubernetes" or "mac". */
  track: string;
  release: string;
  /** Image digest (cluster, container mode) or the npm integrity of the release (native mode). */
  artifact: string;
  bind: string;
  /** Values/config hash of the track's effective config. */
  configHash: string;
  evidence: Evidence;
}

/** `expected` deltas are by design (runbook matrix); `blocking` ones fail the sign-off. */
type DeltaKind = "same" | "expected" | "blocking";

interface ContrastRow {
  signal: string;
  kubernetes: string;
  mac: string;
  delta: DeltaKind;
  note?: string;
}

export interface Contrast {
  signedOff: boolean;
  rows: ContrastRow[];
  /** The rows that differ, in words, for the ticket. */
  deltas: string[];
  markdown: string;
}

const check = (ev: Evidence, name: CheckResult["name"]) => ev.checks.find((c) => c.name === name);
const verdict = (c: CheckResult | undefined) =>
  c === undefined ? "not run" : c.ok ? `ok (HTTP ${c.status})` : `FAIL ${c.failure ?? ""}: ${c.reason ?? ""}`.trim();

export function contrastTable(k8s: TrackEvidence, mac: TrackEvidence): Contrast {
  const rows: ContrastRow[] = [];
  const row = (signal: string, a: string, b: string, differs: DeltaKind, note?: string) =>
    rows.push({ signal, kubernetes: a, mac: b, delta: a === b ? "same" : differs, ...(a === b || !note ? {} : { note }) });

  row("release", k8s.release, mac.release, "blocking", "the two tracks must run the same release (mac-runs-cluster-release)");
  const sameKind = k8s.artifact.startsWith("sha256:") === mac.artifact.startsWith("sha256:");
  row(
    "digest / integrity",
    k8s.artifact,
    mac.artifact,
    sameKind ? "blocking" : "expected",
    sameKind ? "same mode, different artifact" : "image digest vs npm integrity of the same release (native mode)",
  );
  const kv = k8s.evidence.gatewayVersion ?? "(not reported)";
  const mv = mac.evidence.gatewayVersion ?? "(not reported)";
  // Off loopback /startupz omits the version (components/mac/README.md, "Facts"): a missing version is no delta by itself.
  const versionDelta: DeltaKind = kv.startsWith("(") || mv.startsWith("(") ? "expected" : "blocking";
  row("/startupz version", kv, mv, versionDelta, versionDelta === "expected" ? "one side was checked off loopback, where /startupz carries no version" : "the running gateways report different versions");
  row("health (/healthz)", verdict(check(k8s.evidence, "liveness")), verdict(check(mac.evidence, "liveness")), "blocking");
  row("readiness (/readyz)", verdict(check(k8s.evidence, "readiness")), verdict(check(mac.evidence, "readiness")), "blocking");
  row("tool call (sessions_list)", verdict(check(k8s.evidence, "toolCall")), verdict(check(mac.evidence, "toolCall")), "blocking");
  const lat = (ev: Evidence) => {
    const c = check(ev, "toolCall");
    return c?.latencyMs === null || c?.latencyMs === undefined ? "n/a" : `${c.latencyMs} ms`;
  };
  rows.push({ signal: "tool-call latency", kubernetes: lat(k8s.evidence), mac: lat(mac.evidence), delta: "same", note: "recorded, not compared: different paths and hardware" });
  row("bind", k8s.bind, mac.bind, "expected", "runbook matrix: lan behind a Service on Kubernetes, 127.0.0.1 behind a TLS proxy on the Mac");
  row("config hash", k8s.configHash, mac.configHash, "expected", "each track hashes its own effective config");
  row("smoke path", `${k8s.evidence.pathName} ${k8s.evidence.url}`, `${mac.evidence.pathName} ${mac.evidence.url}`, "expected");

  const bothPass = k8s.evidence.ok && mac.evidence.ok;
  const signedOff = bothPass && !rows.some((r) => r.delta === "blocking");
  const deltas = rows.filter((r) => r.delta !== "same").map((r) => `${r.signal}: ${r.kubernetes} vs ${r.mac} (${r.delta}${r.note ? `: ${r.note}` : ""})`);
  const esc = markdownCell;
  const markdown = [
    `| signal | Kubernetes | Mac | delta |`,
    `|---|---|---|---|`,
    ...rows.map((r) => `| ${esc(r.signal)} | ${esc(r.kubernetes)} | ${esc(r.mac)} | ${r.delta}${r.note ? `: ${esc(r.note)}` : ""} |`),
    ``,
    signedOff ? `**Contrast signed off**: same release on both tracks, all health signals pass.` : `**Contrast NOT signed off**: ${deltas.filter((d) => d.includes("(blocking")).join("; ") || "a track's checks failed"}`,
  ].join("\n");
  return { signedOff, rows, deltas, markdown };
}
