// The controller side of the offline Mac install (components/mac/pack.ts): which
// tarballs the lockfile pins, the offline lockfile, the reproducible tar (read back by
// the real tar), which npm runs (the user's, under its own node), and the refusal of a
// tarball that does not match the lockfile's integrity.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { integrityOf, lockedTarballs, offlineLockfile, packFileName, packRelease, sha256File, userNpm, writeTar } from "../../../components/mac/pack";
import { loadReleaseRecord, type ReleaseRecord } from "../../../components/mac/release";

const REPO = resolve(__dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "oc-mac-pack-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("lockfile → tarballs", () => {
  const record = loadReleaseRecord("2026.9.6");
  const tarballs = lockedTarballs(record.lockfile);
  it("every platform's tarball once, bundled entries left out", () => {
    expect(tarballs.length).toBeGreaterThan(300);
    expect(tarballs.map((t) => t.spec)).toContain("openclaw@2026.9.6");
    // optional packages of other platforms are shipped too: the Mac's npm picks its own
    expect(tarballs.some((t) => t.name.includes("darwin-arm64"))).toBe(true);
    expect(tarballs.some((t) => t.name.includes("linux-x64"))).toBe(true);
    expect(new Set(tarballs.map((t) => t.spec)).size).toBe(tarballs.length);
    expect(tarballs.every((t) => /^sha512-/.test(t.integrity))).toBe(true);
  });
  it("the offline lockfile resolves each entry to its file and keeps the recorded integrity", () => {
    const off = JSON.parse(offlineLockfile(record.lockfile)).packages as Record<string, { resolved?: string; integrity?: string }>;
    const orig = JSON.parse(record.lockfile).packages as Record<string, { integrity?: string }>;
    expect(off["node_modules/openclaw"].resolved).toBe("file:tarballs/openclaw-2026.9.6.tgz");
    for (const [k, v] of Object.entries(orig)) expect(off[k].integrity, k).toBe(v.integrity);
    expect(packFileName("@scope/pkg", "1.0.0")).toBe("scope-pkg-1.0.0.tgz");
  });
});

describe("tar", () => {
  it("is reproducible and the system tar reads it back byte for byte (long names included)", () => {
    const long = `tarballs/${"a".repeat(90)}/${"b".repeat(60)}.tgz`;
    const files = [
      { name: "package.json", data: Buffer.from('{"a":1}\n') },
      { name: long, data: Buffer.alloc(1000, 7) },
      { name: "SHA256SUMS", data: Buffer.from("x\n") },
    ];
    writeTar(join(dir, "a.tar"), files);
    writeTar(join(dir, "b.tar"), files);
    expect(sha256File(join(dir, "a.tar"))).toBe(sha256File(join(dir, "b.tar")));
    const out = join(dir, "x");
    mkdirSync(out);
    execFileSync("tar", ["-xf", join(dir, "a.tar"), "-C", out]);
    for (const f of files) expect(readFileSync(join(out, f.name)).equals(f.data), f.name).toBe(true);
  });
});

describe("the user's npm", () => {
  it("runs npm under the node of its own installation, not the project's Node 24 first on PATH", () => {
    const npm = userNpm({ PATH: `${join(REPO, "node_modules/.bin")}:/usr/local/bin:/usr/bin:/bin` });
    expect(npm[0]).not.toContain("node_modules/.bin");
    // that npm reads the machine's global npmrc (its CA file and registry)
    const r = spawnSync(npm[0], [...npm.slice(1), "config", "get", "globalconfig"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin", HOME: process.env.HOME! } });
    const viaProjectNode = spawnSync(join(REPO, "node_modules/.bin/node"), [...npm.slice(npm.length - 1), "config", "get", "globalconfig"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin", HOME: process.env.HOME! } });
    expect(r.stdout.trim()).not.toBe(viaProjectNode.stdout.trim());
    expect(userNpm({ OPENCLAW_NPM: "/opt/x/npm", PATH: "/usr/bin" })).toEqual(["/opt/x/npm"]);
  });

  it("refuses a tarball whose bytes differ from the lockfile's integrity (a mirror or proxy serving other bytes)", () => {
    const good = Buffer.from("good tarball");
    const lockfile = JSON.stringify({
      lockfileVersion: 3,
      packages: { "": { dependencies: { demo: "1.0.0" } }, "node_modules/demo": { version: "1.0.0", integrity: integrityOf("sha512", good) } },
    });
    const record: ReleaseRecord = { release: "0.0.0", packageJson: "{}\n", lockfile, lockSha256: "0".repeat(64), integrity: "", packages: 1 };
    // A stand-in npm whose `pack` writes other bytes than the lockfile pins.
    const fakeNpm = join(dir, "evil-npm");
    writeFileSync(fakeNpm, `#!/bin/sh\nwhile [ "$1" != --pack-destination ]; do shift; done\nprintf tampered > "$2/demo-1.0.0.tgz"\n`);
    chmodSync(fakeNpm, 0o755);
    expect(() => packRelease(record, "bad-0", { cacheDir: join(dir, "cache"), npm: [fakeNpm] })).toThrow(/demo@1\.0\.0: the tarball npm fetched has sha512-.*, the lockfile pins sha512-.*; refusing to ship it/);
    const okNpm = join(dir, "ok-npm");
    writeFileSync(okNpm, `#!/bin/sh\nwhile [ "$1" != --pack-destination ]; do shift; done\nprintf 'good tarball' > "$2/demo-1.0.0.tgz"\n`);
    chmodSync(okNpm, 0o755);
    const p = packRelease(record, "ok-0", { cacheDir: join(dir, "cache"), npm: [okNpm] });
    expect(p.tarballs).toBe(1);
    expect(sha256File(p.file)).toBe(p.sha256);
    // cached: a second call does not run npm at all
    expect(packRelease(record, "ok-0", { cacheDir: join(dir, "cache"), npm: ["/nonexistent/npm"] }).sha256).toBe(p.sha256);
  });
});
