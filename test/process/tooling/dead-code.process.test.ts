// Dead code is found by knip (knip.json): an export nothing imports, a file nothing
// reaches, a dependency nothing uses or a package used but not declared fails here, so
// it is removed or declared when it appears rather than found in a review. The second
// case runs the same binary on a throw-away project with one dead export, so this
// test cannot pass because knip silently checked nothing.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../../support/program";

const KNIP = path.join(ROOT, "node_modules/.bin/knip");
const knip = (cwd: string) => spawnSync(KNIP, ["--no-progress", "--no-config-hints"], { cwd, encoding: "utf8", timeout: 240_000 });

describe("dead code (knip)", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "knip-probe-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("the project has no unused export, file or dependency and no undeclared one", () => {
    const r = knip(ROOT);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 250_000);

  it("the same check reports a dead export in a project that has one", () => {
    fs.writeFileSync(path.join(tmp, "package.json"), JSON.stringify({ name: "probe", version: "0.0.0", private: true, main: "index.ts" }));
    fs.writeFileSync(path.join(tmp, "index.ts"), 'import { used } from "./lib";\nconsole.log(used);\n');
    fs.writeFileSync(path.join(tmp, "lib.ts"), "export const used = 1;\nexport const neverImported = 2;\n");
    const r = knip(tmp);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/Unused exports[\s\S]*neverImported\s+lib\.ts/);
  }, 250_000);
});
