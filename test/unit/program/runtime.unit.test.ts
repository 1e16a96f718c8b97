import { describe, expect, it } from "vitest";
describe("runtime", () => {
  it("runs on Node >= 22 (node@24 from npm)", () => {
    expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(22);
  });
});
