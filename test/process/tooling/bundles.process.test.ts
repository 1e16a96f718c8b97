// The scripts the dynamic providers ship (components/smoke/smoke-job.cjs, the in-cluster
// Job's script, and components/mac/signoff-lib.cjs) are committed build outputs: `pulumi up`
// reads them as text and needs no compiler. Here: each is exactly what `npm run
// build:bundles` makes from today's sources (so an edit to the checks cannot ship stale),
// the same bytes on every build, and self-contained (Node built-ins only).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../support/program";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { BUNDLES, bundleText } = require(path.join(ROOT, "scripts/gen/bundles.js")) as {
  BUNDLES: Array<{ entry: string; out: string }>;
  bundleText(esbuild: unknown, b: { entry: string; out: string }): string;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const esbuild = require(path.join(ROOT, "node_modules/esbuild"));

describe("committed bundles", () => {
  for (const b of BUNDLES) {
    it(`${b.out} is what npm run build:bundles makes from ${b.entry}, byte for byte, on every build`, () => {
      const first = bundleText(esbuild, b);
      expect(bundleText(esbuild, b)).toBe(first);
      expect(fs.readFileSync(path.join(ROOT, b.out), "utf8"), `run \`npm run build:bundles\` and commit ${b.out}`).toBe(first);
    });

    it(`${b.out} requires nothing but Node built-ins`, () => {
      const text = fs.readFileSync(path.join(ROOT, b.out), "utf8");
      const required = [...text.matchAll(/\brequire\(("[^"]+")\)/g)].map((m) => JSON.parse(m[1]) as string);
      expect(required.length).toBeGreaterThan(0);
      for (const id of required) expect(id, `${b.out} requires ${id}`).toMatch(/^node:/);
    });
  }

  it("--check exits 1 naming a bundle its sources no longer give, and 0 when all are current", () => {
    // On a copy of what the bundles are built from, so the committed files are never touched.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bundles-check-"));
    try {
      for (const dir of ["scripts", "components", "policy-pack/rules"]) fs.cpSync(path.join(ROOT, dir), path.join(tmp, dir), { recursive: true });
      fs.copyFileSync(path.join(ROOT, "tsconfig.json"), path.join(tmp, "tsconfig.json"));
      fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(tmp, "node_modules"));
      const check = () => spawnSync(process.execPath, [path.join(tmp, "scripts/gen/bundles.js"), "--check"], { cwd: tmp, encoding: "utf8", timeout: 60_000 });
      expect(check().status).toBe(0);
      fs.appendFileSync(path.join(tmp, "components/mac/contrast.ts"), "\nexport const addedLater = 1;\n");
      const r = check();
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(BUNDLES[1].out);
      expect(r.stderr).not.toContain(BUNDLES[0].out);
      expect(r.stderr).toContain("run `npm run build:bundles`");
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
