// `npm run deploy` as a child process: its usage and the pack config it picks. The
// runs it records on the real engine are test/fixtures/engine/records (and the
// parser's tests); here nothing reaches an engine.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { packConfigFor, parseArgs } from "../../../scripts/cli/deploy";
import { ROOT } from "../../support/program";

const deploy = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, "node_modules/ts-node/dist/bin.js"), "--transpile-only", path.join(ROOT, "scripts/cli/deploy.ts"), ...args], { cwd: ROOT, encoding: "utf8" });

describe("npm run deploy", () => {
  it("picks the stack's own pack config, prod's for dev, none where there is none", () => {
    expect(packConfigFor("prod", undefined)).toBe(path.join(ROOT, "policy-pack/config/prod.json"));
    expect(packConfigFor("staging", undefined)).toBe(path.join(ROOT, "policy-pack/config/staging.json"));
    expect(packConfigFor("dev", undefined)).toBe(path.join(ROOT, "policy-pack/config/prod.json"));
    expect(packConfigFor("local", undefined)).toBeNull();
    expect(() => packConfigFor("prod", "nope.json")).toThrow(/--policy-pack-config nope\.json: no such file/);
  });

  it("passes pulumi's own flags after --, and only there", () => {
    expect(parseArgs(["--stack", "prod", "--preview", "--", "--diff", "--target", "x"])).toMatchObject({ stack: "prod", preview: true, extra: ["--diff", "--target", "x"] });
    expect(parseArgs(["--stack", "prod"])).toMatchObject({ preview: false, recordDir: "tickets/engine", extra: [] });
    // What the record states about the pack and its config must be what ran.
    expect(() => parseArgs(["--stack", "prod", "--", "--policy-pack-config=other.json"])).toThrow(/--policy-pack-config after -- is set by deploy itself/);
    expect(() => parseArgs(["--stack", "prod", "--", "--event-log", "x"])).toThrow(/--event-log after --/);
  });

  it("usage errors exit 2 naming the flag; --help exits 0; nothing runs", () => {
    const none = deploy();
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^deploy: --stack is required/);
    const unknown = deploy("--stack", "prod", "--diff");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^deploy: unknown option --diff; valid flags: --stack <value>.*; pulumi's own flags go after --\n/);
    const bad = deploy("--stack", "../etc");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/is not a stack name/);
    const missing = deploy("--stack", "prod", "--policy-pack-config", "nope.json");
    expect(missing.status).toBe(2);
    const help = deploy("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run deploy -- --stack <name>/);
  });
});
