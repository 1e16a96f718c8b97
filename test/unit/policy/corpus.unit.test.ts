// Regression suite over real third-party OpenClaw manifests (see README.md beside this
// file): every finding the pack reports must be one judged right (or a recorded known
// false positive), and every finding judged right must still be reported.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { CORPUS, judge, loadCorpus, score } from "../../fixtures/policy-corpus/corpus";

const { entries, excluded } = loadCorpus();

describe("policy corpus: third-party manifests", () => {
  it("keeps provenance and the license for every kept file", () => {
    expect(entries.length).toBeGreaterThanOrEqual(4);
    for (const e of entries) {
      expect(e.commit, e.id).toMatch(/^[0-9a-f]{40}$/);
      expect(e.license, e.id).toMatch(/^MIT|^Apache-2\.0/);
      expect(fs.existsSync(path.join(CORPUS, "LICENSES", `${e.repo.replace("/", "-")}.txt`)), e.id).toBe(true);
      for (const f of e.files) expect(fs.existsSync(path.join(CORPUS, f)), f).toBe(true);
      for (const j of [...e.expected, ...(e.falsePositives ?? []), ...(e.missed ?? [])]) expect(j.reason.length, `${e.id} ${j.policy}`).toBeGreaterThan(10);
    }
    for (const x of excluded) expect(x.why.length).toBeGreaterThan(10);
  });

  for (const e of entries) {
    it(`${e.id}: no new false positive, no lost finding`, () => {
      const v = judge(e);
      expect(v.unexpected.map((d) => `${d.policyName} ${d.detail}`), "findings nobody judged (new false positives?)").toEqual([]);
      expect(v.lost.map((j) => `${j.policy} ${j.object} ${j.contains}`), "findings judged right that are no longer reported").toEqual([]);
    });
  }

  it("precision and recall as the README states them", () => {
    const s = score(entries.map(judge));
    const readme = fs.readFileSync(path.join(CORPUS, "README.md"), "utf8");
    expect(readme).toContain(`precision ${(s.precision * 100).toFixed(1)}% (${s.tp} of ${s.tp + s.fp} findings right), recall ${(s.recall * 100).toFixed(1)}% (${s.tp} of ${s.tp + s.fn} problems found)`);
  });

  it("rendered Helm output is what render.sh records (sha256 of each rendered file)", () => {
    for (const e of entries.filter((x) => x.rendered.startsWith("helm template"))) {
      for (const f of e.files) {
        const sum = crypto.createHash("sha256").update(fs.readFileSync(path.join(CORPUS, f))).digest("hex");
        expect(fs.readFileSync(path.join(CORPUS, "rendered.sha256"), "utf8")).toContain(`${sum}  ${f}`);
      }
    }
  });
});
