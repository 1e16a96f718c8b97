// The engine's own account of an operation, parsed from event logs the real engine
// wrote (pulumi 3.274.1 built here, `--event-log`, the local stack in a private copy
// of the project with its own file backend): test/fixtures/engine/, unedited.
//   local-preview-create: `pulumi preview --policy-pack policy-pack` of a new stack
//   local-up-create:      `pulumi up` of it
//   local-up-replace:     `pulumi up` after stateVolume.storageClass and gateway.coldStartSeconds changed
//   local-preview-violations: `pulumi preview` with a pack config that memory-headroom and resources-declared fail
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EngineLogError, parseEngineEvents, urnName, verdictLine } from "../../../components/engine-events";

const fixture = (name: string) => readFileSync(join(__dirname, "../../fixtures/engine", `${name}.events.jsonl`), "utf8");
const ALL_POLICIES = 16;

describe("parseEngineEvents on real engine logs", () => {
  it("a preview of a new stack: every resource a create, the pack ran and passed, no outputs claimed", () => {
    const r = parseEngineEvents(fixture("local-preview-create"));
    expect(r.kind).toBe("preview");
    expect(r.result).toBe("succeeded");
    expect(r.counts).toEqual({ create: 11 });
    expect(r.changes).toHaveLength(11);
    expect(new Set(r.changes.map((c) => c.op))).toEqual(new Set(["create"]));
    expect(r.changes.map((c) => c.type)).toEqual(
      expect.arrayContaining(["pulumi:pulumi:Stack", "kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Secret", "kubernetes:networking.k8s.io/v1:NetworkPolicy"]),
    );
    expect(r.changes.every((c) => c.replaceReasons.length === 0 && !c.failed)).toBe(true);
    expect(r.policy).toMatchObject({ packs: [{ name: "openclaw-gateway", version: "0.1.0" }], violations: [] });
    expect(r.policy!.passed).toHaveLength(ALL_POLICIES);
    expect(r.stackOutputs).toBeNull();
    expect(verdictLine(r.policy!)).toBe(`passed: 0 violations (${ALL_POLICIES} policies reported nothing)`);
  });

  it("an update: the stack outputs it produced tie it to a ticket", () => {
    const r = parseEngineEvents(fixture("local-up-create"));
    expect(r.kind).toBe("update");
    expect(r.result).toBe("succeeded");
    expect(r.counts).toEqual({ create: 11 });
    expect(r.durationSeconds).toBeGreaterThan(0);
    expect(r.finishedAt).toMatch(/^2026-11-27T\d{2}:\d{2}:\d{2}\.000Z$/);
    expect(r.stackOutputs).toEqual({
      valuesHash: expect.stringMatching(/^[a-f0-9]{64}$/),
      imageDigest: "sha256:ab343cef7d678a44cf3107039410531c9aaf1a39a98271975bf181fef1efdf0f",
      programCommit: expect.stringMatching(/^[a-f0-9]{40}$/),
    });
  });

  it("a replacement (three engine steps) folds into one replace with the key that forced it; an update names the changed paths", () => {
    const r = parseEngineEvents(fixture("local-up-replace"));
    expect(r.counts).toEqual({ replace: 1, same: 9, update: 1 });
    expect(r.changes.map((c) => [c.op, c.name, c.replaceReasons])).toEqual([
      ["replace", "openclaw-gateway-state", ["spec.storageClassName"]],
      ["update", "openclaw-gateway-deployment", []],
    ]);
    expect(r.changes[1].diffs).toContain("spec.template.spec.containers[0].startupProbe.failureThreshold");
    expect(r.changes[1].diffs).toContain('spec.template.metadata.annotations["openclaw.ai/cold-start-seconds"]');
    expect(r.policy!.violations).toEqual([]);
    // The outputs changed with the config: a ticket from before this update must not take it as its evidence.
    expect(r.stackOutputs!.valuesHash).not.toBe(parseEngineEvents(fixture("local-up-create")).stackOutputs!.valuesHash);
  });

  it("a failing preview: every violation with policy, level, resource and a one-line message; the verdict says failed", () => {
    const r = parseEngineEvents(fixture("local-preview-violations"));
    expect(r.kind).toBe("preview");
    const v = r.policy!.violations;
    expect(v.map((x) => [x.policy, x.level, x.urn && urnName(x.urn)])).toEqual(
      expect.arrayContaining([
        ["memory-headroom", "mandatory", "openclaw-gateway-deployment"],
        ["resources-declared", "advisory", "openclaw-gateway-deployment"],
      ]),
    );
    expect(v.find((x) => x.policy === "memory-headroom")!.message).toMatch(/^Deployment\/openclaw-local\/openclaw-gateway: container "gateway": limits\.memory 1317Mi is only 30% above .*at least 1\.35× \(1368Mi\)/);
    for (const x of v) expect(x.message).not.toMatch(/\n/);
    expect(r.policy!.passed).not.toContain("memory-headroom");
    expect(r.policy!.passed).not.toContain("resources-declared");
    expect(verdictLine(r.policy!)).toMatch(/^failed: 1 mandatory, 1 advisory violations$/);
  });
});

describe("parseEngineEvents on broken input", () => {
  it("refuses an empty log and a corrupt line in the middle; tolerates a torn last line", () => {
    expect(() => parseEngineEvents("")).toThrow(EngineLogError);
    const lines = fixture("local-up-create").trim().split("\n");
    expect(() => parseEngineEvents([lines[0], "{torn", ...lines.slice(1)].join("\n"))).toThrow(/line 2 is not a JSON engine event/);
    const torn = parseEngineEvents([...lines, lines[5].slice(0, 20)].join("\n"));
    expect(torn.counts).toEqual({ create: 11 });
  });

  it("a log cut before the summary is incomplete, never succeeded; a run without a pack has no verdict", () => {
    const lines = fixture("local-up-create").trim().split("\n");
    const cut = parseEngineEvents(lines.filter((l) => !l.includes('"summaryEvent"')).join("\n"));
    expect(cut.result).toBe("incomplete");
    const noPack = parseEngineEvents(lines.filter((l) => !/"policy[A-Za-z]*Event"|"summaryEvent"/.test(l)).join("\n"));
    expect(noPack.policy).toBeNull();
  });
});
