// Node versions: package.json's engines, the README and what npm really prints agree.
// Supported: Node 22 or 24 (the program's @pulumi/pulumi and kubernetes-models ask for
// >= 22); npm on that Node installs without an EBADENGINE warning. An npm running on
// Node 20 still installs (the node@24 devDependency runs every npm script), with the
// warnings the README names, no more.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../support/program";

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
/** The packages whose engines exclude Node 20, as the README lists them. */
const NODE20_WARNINGS = ["openclaw-gateway-infra", "@pulumi/pulumi", "kubernetes-models", "@kubernetes-models/apimachinery", "@kubernetes-models/base", "@kubernetes-models/validate"];

let dir: string;
beforeAll(() => {
  // npm ci --dry-run in a copy: it must never touch the working tree's node_modules.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "node-engines-"));
  for (const f of ["package.json", "package-lock.json"]) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The packages npm ci names in EBADENGINE warnings when npm runs on `node`. */
function badEngines(node: string): { packages: string[]; version: string } {
  const npmCli = spawnSync("sh", ["-c", 'readlink -f "$(command -v npm)"'], { encoding: "utf8" }).stdout.trim();
  const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
  // --loglevel=warn: an inherited npm_config_loglevel (say, from `npm run -s`) would silence the warnings counted here.
  const r = spawnSync(node, [npmCli, "ci", "--dry-run", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=warn"], { cwd: dir, encoding: "utf8", timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  const packages = [...(r.stdout + r.stderr).matchAll(/EBADENGINE\s+package: '(@?[^@']+)@/g)].map((m) => m[1]);
  return { packages: [...new Set(packages)].sort(), version };
}

describe("Node versions", () => {
  it("package.json, the node devDependency and the README say the same", () => {
    expect(pkg.engines.node).toBe(">=22");
    expect(Number(pkg.devDependencies.node.split(".")[0])).toBeGreaterThanOrEqual(22);
    expect(readme).toContain("Node 22 or 24 with npm");
    expect(readme).not.toMatch(/Node ≥ 20/);
    for (const name of NODE20_WARNINGS) expect(readme).toContain(`\`${name}\``);
  });

  it("every installed dependency accepts the oldest supported Node (22)", () => {
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")).packages as Record<string, { engines?: { node?: string }; optional?: boolean; os?: string[]; cpu?: string[] }>;
    const demands = Object.entries(lock)
      .filter(([, p]) => typeof p.engines?.node === "string" && !(p.optional && (p.os || p.cpu)))
      .map(([name, p]) => `${name || "(root)"} ${p.engines!.node}`)
      // A lower bound above 22 (">=23", "^24") would exclude Node 22.
      .filter((d) => /(>=?\s*|\^)(2[3-9]|[3-9]\d)\b/.test(d) && !/\|\|/.test(d));
    expect(demands).toEqual([]);
  });

  it("npm on the project's own Node 24 installs without an EBADENGINE warning", () => {
    const r = badEngines(path.join(ROOT, "node_modules/.bin/node"));
    expect(r.version).toMatch(/^v24\./);
    expect(r.packages).toEqual([]);
  });

  it("npm on this machine's system Node warns exactly as the README says", () => {
    const r = badEngines(process.platform === "linux" && fs.existsSync("/usr/bin/node") ? "/usr/bin/node" : "node");
    const major = Number(r.version.slice(1).split(".")[0]);
    expect(r.packages).toEqual(major >= 22 ? [] : [...NODE20_WARNINGS].sort());
  });
});
