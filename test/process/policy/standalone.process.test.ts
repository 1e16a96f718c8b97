// The pack as its own package: installed from its own lockfile, type-checked with its own
// TypeScript, served by its own @pulumi/pulumi (policy-harness/verify-standalone.sh).
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { describe, expect, it } from "vitest";

const PACK = path.resolve(__dirname, "../../../policy-pack");
const ROOT = path.resolve(PACK, "..");
const json = (f: string) => JSON.parse(fs.readFileSync(f, "utf8"));

describe("policy-pack as a standalone package", () => {
  it("pins exactly the versions the root installs, in its own lockfile", () => {
    const pkg = json(path.join(PACK, "package.json"));
    const lock = json(path.join(PACK, "package-lock.json"));
    const rootLock = json(path.join(ROOT, "package-lock.json"));
    expect(pkg.type).toBe("commonjs");
    for (const [name, version] of Object.entries<string>({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(lock.packages[`node_modules/${name}`].version, name).toBe(version);
      expect(rootLock.packages[`node_modules/${name}`]?.version, `root ${name}`).toBe(version);
    }
    // Everything the pack imports at run time is its own dependency, and so is the TypeScript it runs
    // as (Pulumi loads the pack through ts-node): `npm ci --omit=dev` serves it.
    expect(pkg.dependencies).toEqual({
      "@pulumi/policy": "1.21.0", "@pulumi/pulumi": "3.270.0", "ipaddr.js": "2.5.0", json5: "2.2.3", "mvdan-sh": "0.10.1", "ts-node": "10.9.2", typescript: "6.0.3",
    });
  });

  it("declares exactly the packages its sources import (plus what runs it: ts-node, typescript, @pulumi/pulumi)", () => {
    const sources = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []);
    const imported = new Set<string>();
    for (const f of [path.join(PACK, "index.ts"), ...["policies", "rules", "model"].flatMap((d) => sources(path.join(PACK, d)))]) {
      // Import statements (at a line's start, not "from" in a comment) and require calls.
      for (const m of fs.readFileSync(f, "utf8").matchAll(/^\s*import\b[^;]*?\bfrom\s+"([^".][^"]*)"|\brequire\("([^".][^"]*)"\)/gm)) {
        const name = m[1] ?? m[2];
        if (name.startsWith("node:")) continue;
        imported.add(name.startsWith("@") ? name.split("/").slice(0, 2).join("/") : name.split("/")[0]);
      }
    }
    for (const builtin of ["fs", "path", "os", "crypto", "util", "child_process"]) imported.delete(builtin);
    const declared = Object.keys(json(path.join(PACK, "package.json")).dependencies);
    expect([...imported].sort()).toEqual(declared.filter((d) => !["ts-node", "typescript", "@pulumi/pulumi"].includes(d)).sort());
  });

  it("npm ci, tsc and run-policy-pack from its own node_modules serve the pack", async () => {
    const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` };
    const r = await promisify(execFile)("bash", [path.join(PACK, "../policy-harness/verify-standalone.sh")], { env, timeout: 240_000 });
    expect(r.stdout).toMatch(/^standalone pack serving on 127\.0\.0\.1:\d+ \(resolved @pulumi\/policy v1\.21\.0, @pulumi\/pulumi 3\.270\.0\)/m);
  }, 300_000);
});
