// The layout the README's map describes, held here so it cannot drift:
//   - every test file is test/<kind>/**/<name>.<kind>.test.ts, kind one of the vitest
//     projects, and no test lives anywhere else;
//   - the published policy pack holds only what it publishes: every TypeScript file under
//     policy-pack/ is compiled by the pack's own tsconfig (harness, recorders and tests
//     live beside it);
//   - unit tests start no processes (the project's setup file refuses them).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../support/program";

const KINDS = ["unit", "process", "e2e", "cluster"];

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(relative(ROOT, p).split(sep).join("/"));
  }
  return out;
}

const files = walk(ROOT).filter((f) => !f.startsWith("bin/") && !f.startsWith("rendered/") && !f.startsWith("tickets/"));

describe("layout", () => {
  it("every test file is test/<kind>/**/<name>.<kind>.test.ts for a vitest project's kind", () => {
    const tests = files.filter((f) => /\.(test|spec)\.[cm]?[jt]s$/.test(f));
    const misplaced = tests.filter((f) => {
      const m = /^test\/([^/]+)\/(?:.+\/)?[^/]+\.([^./]+)\.test\.ts$/.exec(f);
      return !m || m[1] !== m[2] || !KINDS.includes(m[1]);
    });
    expect(misplaced).toEqual([]);
    for (const kind of KINDS) expect(tests.some((f) => f.startsWith(`test/${kind}/`)), kind).toBe(true);
    const config = readFileSync(join(ROOT, "vitest.config.mts"), "utf8");
    for (const kind of KINDS) expect(config).toContain(`project("${kind}"`);
  });

  it("policy-pack/ holds only the published pack: its tsconfig compiles every TypeScript file in it", () => {
    const tsconfig = JSON.parse(readFileSync(join(ROOT, "policy-pack/tsconfig.json"), "utf8")) as { include: string[] };
    const roots = tsconfig.include.map((g) => g.replace(/\/\*\*\/\*\.ts$/, "/"));
    const packTs = files.filter((f) => f.startsWith("policy-pack/") && f.endsWith(".ts")).map((f) => f.slice("policy-pack/".length));
    expect(packTs.length).toBeGreaterThan(10);
    expect(packTs.filter((f) => !roots.some((r) => (r.endsWith("/") ? f.startsWith(r) : f === r)))).toEqual([]);
  });

  it("a unit test that starts a process fails, naming test/process/ as its place", () => {
    expect(() => spawnSync("true")).toThrow(/unit tests start no processes \(child_process\.spawnSync was called\): a test that needs one belongs in test\/process\//);
  });
});
