// evaluateCommonJs: how the dynamic providers run the committed bundles.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateCommonJs } from "../../../components/commonjs";
import { ROOT } from "../../support/program";

describe("evaluateCommonJs", () => {
  it("returns the exports of both committed bundles", () => {
    const smoke = evaluateCommonJs(readFileSync(join(ROOT, "components/smoke/smoke-job.cjs"), "utf8"), "openclaw-smoke-bundle") as Record<string, unknown>;
    expect(typeof smoke.runChecks).toBe("function");
    expect(typeof smoke.comparePaths).toBe("function");
    const mac = evaluateCommonJs(readFileSync(join(ROOT, "components/mac/signoff-lib.cjs"), "utf8"), "openclaw-mac-signoff") as Record<string, unknown>;
    expect(typeof mac.openTunnel).toBe("function");
    expect(typeof mac.contrastTable).toBe("function");
  });

  it("gives the script module, exports, __filename and Node built-ins, and names it in stack traces", () => {
    const out = evaluateCommonJs(
      'const path = require("node:path"); module.exports = { base: path.basename(__filename), same: exports === module.exports, stack: new Error("x").stack };',
      "probe",
    ) as { base: string; same: boolean; stack: string };
    expect(out.base).toBe("probe.cjs");
    expect(out.same).toBe(true);
    expect(out.stack).toContain("/probe.cjs");
  });

  it("refuses a package that is not a Node built-in, naming it", () => {
    expect(() => evaluateCommonJs('require("yaml");', "probe")).toThrow('probe: requires "yaml", but a committed bundle may require only Node built-ins');
  });
});
