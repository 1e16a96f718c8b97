// The program runs under `pulumi` transpiled only (Pulumi.yaml runtime.options.tsconfig ->
// tsconfig.pulumi.json, noCheck), so type errors are caught here instead: `npm run build`
// (tsc --noEmit over the program, scripts and tests) must pass, and the Pulumi settings must
// differ from tsconfig.json in nothing but noCheck.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT } from "../../support/program";

describe("type checking", () => {
  it("npm run build (tsc --noEmit) reports no error", () => {
    const r = spawnSync("npm", ["run", "-s", "build"], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 320_000);

  it("Pulumi loads the program through tsconfig.pulumi.json: tsconfig.json plus noCheck, nothing else", () => {
    const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    expect(project.runtime.options).toMatchObject({ typescript: true, tsconfig: "tsconfig.pulumi.json" });
    const ts = require(path.join(ROOT, "node_modules/typescript")) as typeof import("typescript");
    const read = (f: string) => {
      const file = path.join(ROOT, f);
      const cfg = ts.readConfigFile(file, ts.sys.readFile);
      expect(cfg.error).toBeUndefined();
      return ts.parseJsonConfigFileContent(cfg.config, ts.sys, ROOT, undefined, file);
    };
    const base = read("tsconfig.json");
    const pulumi = read("tsconfig.pulumi.json");
    expect(pulumi.errors).toEqual([]);
    expect(pulumi.options.noCheck).toBe(true);
    const { noCheck: _n, configFilePath: _a, ...rest } = pulumi.options;
    const { configFilePath: _b, ...baseRest } = base.options;
    expect(rest).toEqual(baseRest);
    expect(pulumi.fileNames).toEqual(base.fileNames);
  });
});
