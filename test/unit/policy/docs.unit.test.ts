// The README's policy table and comparison are generated from the pack; they must match it.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { policies } from "../../../policy-pack/policies";
import { renderComparison, renderPolicies, replaceBetweenMarkers } from "../../../policy-harness/docs";

const ROOT = path.resolve(__dirname, "../../..");
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");

describe("generated docs (npm run docs:policies)", () => {
  it("docs/policies.md is what the pack generates today, one row per policy", () => {
    const text = renderPolicies();
    expect(read("docs/policies.md")).toBe(`# Policies of the CrossGuard pack\n\n${text}`);
    for (const p of policies) expect(text).toContain(`| \`${p.name}\` | ${p.description.replace(/\|/g, "\\|")} |`);
    expect(text).toContain("`minRatio` = `1.25`");
  });

  it("docs/comparison.md is what the pack generates today over every fixture", () => {
    const text = renderComparison();
    expect(read("docs/comparison.md")).toBe(`# This pack and the usual manifest checkers, fixture by fixture\n\n${text}`);
    expect(text).toMatch(/\| `image-latest-tag` \| .* \| `image-pinned-by-digest` \| container-image-tag \| CKV_K8S_14, CKV_K8S_15, CKV_K8S_43 \|/);
    expect(text).toMatch(/\| `bind-loopback-without-service` \| .* \| passes \|/);
  });

  it("the README, where it has the markers, carries the same text", () => {
    const readme = read("README.md");
    for (const [name, body] of [["policies", renderPolicies()], ["comparison", renderComparison()]] as const) {
      const replaced = replaceBetweenMarkers(readme, name, body);
      if (replaced !== undefined) expect(replaced).toBe(readme);
    }
    expect(replaceBetweenMarkers("a<!-- x:begin -->old<!-- x:end -->b", "x", "new")).toBe("a<!-- x:begin -->\nnew\n<!-- x:end -->b");
  });
});
