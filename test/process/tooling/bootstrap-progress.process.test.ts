// Progress of long build steps (scripts/setup/progress.sh, shared by the toolchain and
// cluster builds) and the cached toolchain check of scripts/setup/bootstrap-pulumi.sh, in
// real bash: what a person sees, what lands in the log, and that a cached toolchain
// is trusted only while its files are the ones the last full verify saw.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../../..");
const PROGRESS = path.join(ROOT, "scripts/setup/progress.sh");
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bootstrap-progress-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function bash(script: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync("bash", ["-c", script], { encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });
}

describe("progress_step", () => {
  it("names the step and what it builds, prints the elapsed time while it runs, keeps the noise in the log", () => {
    const log = path.join(tmp, "a.log");
    const timings = path.join(tmp, "timings");
    fs.writeFileSync(timings, "compile 215\n");
    const r = bash(
      `source ${PROGRESS}; PROGRESS_EVERY=1 PROGRESS_TIMINGS=${timings}; noisy() { echo "go: downloading example.com/m v1.0.0"; sleep 2.5; echo compiled; }; progress_step compile ${log} "the widget (go build ./cmd/widget)" noisy; echo "seconds=$PROGRESS_LAST_SECONDS"`,
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(lines[0]).toBe(`compile: the widget (go build ./cmd/widget) (last run 215 s; log: ${log})`);
    expect(lines.filter((l) => /^ {2}compile: \d+ s \(last run 215 s\)$/.test(l)).length).toBeGreaterThanOrEqual(2);
    // (Durations in whole seconds from a 1 s poll: 2.5 s of work reads 2–4 s on a loaded machine.)
    expect(lines[lines.length - 1]).toMatch(/^compile: done in [2-9] s \(last run 215 s\)$/);
    expect(r.stderr).not.toContain("go: downloading");
    expect(fs.readFileSync(log, "utf8")).toMatch(/^=== compile \S+\ngo: downloading example.com\/m v1.0.0\ncompiled\n$/);
    // The next run's "last run" is this run.
    expect(fs.readFileSync(timings, "utf8")).toMatch(/^compile [2-9]\n$/);
  });

  it("with no earlier run says so; a failing step shows the log's tail and returns its status", () => {
    const log = path.join(tmp, "b.log");
    const r = bash(`source ${PROGRESS}; PROGRESS_TIMINGS=${path.join(tmp, "none")}; failing() { echo "undefined: foo"; return 3; }; progress_step link ${log} "" failing; echo "rc=$?"`);
    expect(r.stdout.trim()).toBe("rc=3");
    expect(r.stderr).toContain(`link: (no earlier run recorded; log: ${log})`);
    expect(r.stderr).toContain("    undefined: foo");
    expect(r.stderr).toMatch(new RegExp(`link failed after \\d+ s \\(exit 3\\); full log: ${log}`));
  });
});

describe("the cached toolchain check", () => {
  let cache: string;
  let toolchain: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    cache = path.join(tmp, "cache");
    env = { OPENCLAW_INFRA_CACHE: cache };
    toolchain = bash(`bash ${ROOT}/scripts/setup/pulumi-env.sh printenv OPENCLAW_TOOLCHAIN`, env).stdout.trim();
    // A toolchain whose tools are stand-ins that cannot answer a version check: only
    // the fingerprint path can accept it.
    fs.mkdirSync(path.join(toolchain, "bin"), { recursive: true });
    for (const b of ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs", "kube-score", "kubeconform", "checkov"]) {
      fs.writeFileSync(path.join(toolchain, "bin", b), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    }
    fs.writeFileSync(path.join(toolchain, ".complete"), "");
  });

  it("without a record of a full verify it runs the tools' own checks (and fails on stand-ins)", () => {
    const r = bash(`bash ${ROOT}/scripts/setup/bootstrap-pulumi.sh`, env);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/pulumi version printed '', expected v3\.274\.1/);
  });

  it("trusts an unchanged toolchain from its fingerprint, re-checks a changed one", () => {
    // What a full verify writes after the tools answered, made here from the script's own fingerprint.
    const fp = bash(`source <(sed -n '/^fingerprint() {/,/^}/p' ${ROOT}/scripts/setup/bootstrap-pulumi.sh); source ${ROOT}/scripts/setup/pulumi-env.sh 2>/dev/null; fingerprint ${toolchain}`, env);
    expect(fp.status, fp.stderr).toBe(0);
    fs.writeFileSync(path.join(toolchain, ".verified"), `summary pulumi v3.274.1 (stand-in)\nverified 2026-01-01T00:00:00Z\n${fp.stdout}`);
    const t0 = Date.now();
    const ok = bash(`bash ${ROOT}/scripts/setup/bootstrap-pulumi.sh`, env);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).toContain("pulumi v3.274.1 (stand-in)");
    expect(ok.stderr).toContain("verified 2026-01-01T00:00:00Z by each tool's own version output");
    expect(Date.now() - t0).toBeLessThan(5000);

    // --verify always runs the tools.
    expect(bash(`bash ${ROOT}/scripts/setup/bootstrap-pulumi.sh --verify`, env).status).toBe(1);

    // A binary replaced since: the fingerprint no longer matches, the tools are run again.
    fs.writeFileSync(path.join(toolchain, "bin", "kube-score"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const changed = bash(`bash ${ROOT}/scripts/setup/bootstrap-pulumi.sh`, env);
    expect(changed.status).toBe(1);
    expect(changed.stderr).toMatch(/pulumi version printed/);
  });
});
