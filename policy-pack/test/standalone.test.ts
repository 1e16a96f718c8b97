// The pack as its own package: installed from its own lockfile, type-checked with its own
// TypeScript, served by its own @pulumi/pulumi (policy-pack/scripts/verify-standalone.sh).
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { describe, expect, it } from "vitest";

const PACK = path.resolve(__dirname, "..");
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
    // Everything the pack imports at run time is its own dependency (yaml for the manifest loader too),
    // and so is the TypeScript it runs as (Pulumi loads the pack through ts-node): `npm ci --omit=dev` serves it.
    expect(pkg.dependencies).toEqual({
      "@pulumi/policy": "1.21.0", "@pulumi/pulumi": "3.270.0", "ipaddr.js": "2.5.0", json5: "2.2.3", "mvdan-sh": "0.10.1", "ts-node": "10.9.2", typescript: "6.0.3", yaml: "2.9.1",
    });
  });

  it("npm ci, tsc and run-policy-pack from its own node_modules serve the pack", async () => {
    const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` };
    const r = await promisify(execFile)("bash", [path.join(PACK, "scripts/verify-standalone.sh")], { env, timeout: 240_000 });
    expect(r.stdout).toMatch(/^standalone pack serving on 127\.0\.0\.1:\d+ \(resolved @pulumi\/policy v1\.21\.0, @pulumi\/pulumi 3\.270\.0\)/m);
  }, 300_000);
});
