// The contrast table (runbook step 7): same release and passing checks sign off, with
// the by-design deltas listed; a release or health delta blocks.
import { describe, expect, it } from "vitest";
import { contrastTable, type TrackEvidence } from "../../../components/mac/contrast";
import type { Evidence } from "../../../components/smoke/checks";
import { kubernetesEvidenceFixture } from "../../fixtures/mac/evidence";

const INTEGRITY = "sha512-Ie0kyQSCVfFqixsgVg39vevUDq01Ch5u3+7Yu5Y3qARczmdAe+lzp8bVnO9925rHiW/+CFp70zfORCyPmCH31g==";
const clone = (e: Evidence): Evidence => JSON.parse(JSON.stringify(e));
const k8s = (): TrackEvidence => ({ track: "kubernetes", release: "2026.9.6", artifact: "sha256:" + "a".repeat(64), bind: "lan", configHash: "k8s", evidence: clone(kubernetesEvidenceFixture) });
const mac = (ev = clone(kubernetesEvidenceFixture)): TrackEvidence => ({
  track: "mac", release: "2026.9.6", artifact: INTEGRITY, bind: "loopback", configHash: "mac", evidence: { ...ev, pathName: "macSshTunnel", url: "http://127.0.0.1:40000" },
});

describe("contrast table", () => {
  it("signs off the same release with expected deltas listed", () => {
    const c = contrastTable(k8s(), mac());
    expect(c.signedOff).toBe(true);
    expect(c.rows.map((r) => [r.signal, r.delta])).toEqual([
      ["release", "same"],
      ["digest / integrity", "expected"],
      ["/startupz version", "same"],
      ["health (/healthz)", "same"],
      ["readiness (/readyz)", "same"],
      ["tool call (sessions_list)", "same"],
      ["tool-call latency", "same"],
      ["bind", "expected"],
      ["config hash", "expected"],
      ["smoke path", "expected"],
    ]);
    expect(c.markdown).toContain("| release | 2026.9.6 | 2026.9.6 | same |");
    expect(c.markdown).toContain("| tool-call latency | 104 ms | 104 ms | same: recorded, not compared");
    expect(c.markdown).toContain("**Contrast signed off**");
    expect(c.deltas).toContain("bind: lan vs loopback (expected: runbook matrix: lan behind a Service on Kubernetes, 127.0.0.1 behind a TLS proxy on the Mac)");
  });

  it("blocks a release delta", () => {
    const m = mac();
    m.release = "2026.9.5";
    m.evidence.gatewayVersion = "2026.9.5";
    const c = contrastTable(k8s(), m);
    expect(c.signedOff).toBe(false);
    expect(c.rows.find((r) => r.signal === "release")?.delta).toBe("blocking");
    expect(c.rows.find((r) => r.signal === "/startupz version")?.delta).toBe("blocking");
    expect(c.markdown).toMatch(/\*\*Contrast NOT signed off\*\*: release: 2026\.9\.6 vs 2026\.9\.5 \(blocking/);
  });

  it("blocks a failing check on one side and says why", () => {
    const ev = clone(kubernetesEvidenceFixture);
    ev.ok = false;
    const tool = ev.checks.find((c) => c.name === "toolCall")!;
    Object.assign(tool, { ok: false, status: 401, failure: "auth", reason: "401: the token is wrong or missing" });
    const c = contrastTable(k8s(), mac(ev));
    expect(c.signedOff).toBe(false);
    expect(c.rows.find((r) => r.signal === "tool call (sessions_list)")).toMatchObject({ mac: "FAIL auth: 401: the token is wrong or missing", delta: "blocking" });
  });

  it("treats a version missing off loopback as expected, not as a delta in release", () => {
    const k = k8s();
    k.evidence.gatewayVersion = null;
    const c = contrastTable(k, mac());
    expect(c.rows.find((r) => r.signal === "/startupz version")?.delta).toBe("expected");
    expect(c.signedOff).toBe(true);
  });
});
