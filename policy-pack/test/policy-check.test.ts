// The manifest checker as a user runs it: a real process (`npm run policy:check`'s
// command) over YAML files and directories, its output lines and exit codes.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseYaml, FIXTURES, GOOD, loadCases } from "../harness/cases";

const ROOT = path.resolve(__dirname, "../..");
const run = promisify(execFile);

async function check(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [path.join(ROOT, "node_modules/ts-node/dist/bin.js"), "--transpile-only", path.join(ROOT, "scripts/policy-check.ts"), ...args], {
      cwd: ROOT,
      timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout: string; stderr: string };
    if (typeof err.code !== "number") throw e;
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const M = (f: string) => path.join(FIXTURES, "manifests", f);
let dir: string;

beforeAll(() => {
  // The cases as plain manifest files, one per case, the way a platform team would point the checker at a directory.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-check-"));
  for (const c of loadCases()) fs.writeFileSync(path.join(dir, `${c.name}.yaml`), caseYaml(c));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("npm run policy:check", () => {
  it("passes the good gateway under prod config (exit 0)", async () => {
    const r = await check("--stack", "prod", GOOD);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("0 mandatory, 0 advisory violation(s) in 7 object(s) from 1 file(s)");
  });

  it("fails the upstream Kustomize pattern with one line per violation (exit 1)", async () => {
    const r = await check(M("upstream-kustomize-loopback-exec-probes.yaml"));
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split("\n");
    for (const l of lines.slice(0, -1)) expect(l).toMatch(/^(MANDATORY|ADVISORY) [a-z-]+ [A-Za-z]+\/[a-z0-9-]+\/[a-z0-9-]+: \S/);
    expect(lines).toContain(
      'MANDATORY bind-reachable-from-service Deployment/openclaw/openclaw: container "gateway": bind "loopback" (from gateway.bind in the config file): loopback listens on 127.0.0.1 and ::1 only; port-forward works, Service traffic on the pod IP does not, but Service/openclaw/openclaw sends traffic to the pod IP; pass --bind lan (and gateway.bind "lan") explicitly',
    );
    expect(lines.at(-1)).toMatch(/^13 mandatory, 0 advisory violation\(s\) in 4 object\(s\) from 1 file\(s\)$/);
  });

  it("walks a directory of cases and reports every policy; --json carries file and document", async () => {
    const r = await check("--json", dir);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.files).toHaveLength(loadCases().length);
    const policies = new Set(report.violations.map((v: { policy: string }) => v.policy));
    expect(policies.size).toBeGreaterThanOrEqual(11);
    const v = report.violations.find((x: { file: string }) => x.file.endsWith("bind-loopback-behind-service.yaml"));
    expect(v).toMatchObject({ level: "mandatory", policy: "bind-reachable-from-service", object: "Deployment/openclaw-staging/openclaw-gateway", document: 4 });
  });

  it("downgrades with a config file: all advisory exits 0", async () => {
    const cfg = path.join(dir, "..", `${path.basename(dir)}-advisory.json`);
    fs.writeFileSync(cfg, JSON.stringify({ all: "advisory" }));
    try {
      const r = await check("--config", cfg, M("upstream-kustomize-loopback-exec-probes.yaml"));
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^ADVISORY image-pinned-by-digest /m);
    } finally {
      fs.rmSync(cfg);
    }
  });

  const malformed: [string, string][] = [
    ["malformed-yaml-indentation.yaml", "malformed-yaml-indentation.yaml: document 2: YAML error at line 11 column 1: All mapping items must start at the same column"],
    ["malformed-document-is-a-list.yaml", "malformed-document-is-a-list.yaml: document 2: is a sequence, expected a Kubernetes object"],
    ["malformed-containers-not-a-list.yaml", "malformed-containers-not-a-list.yaml: document 1 (Deployment/openclaw/gateway): spec.template.spec.containers is a mapping, expected a sequence"],
    ["malformed-missing-kind.yaml", "malformed-missing-kind.yaml: document 1: kind is missing or not a Kubernetes kind"],
  ];
  for (const [file, message] of malformed) {
    it(`malformed input ${file}: names file and document, exit 2, no stack trace`, async () => {
      const r = await check(M(file));
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.stdout).toBe("");
    });
  }

  it("bad usage and bad config are clear errors", async () => {
    const none = await check();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no manifest files or directories given");
    const missing = await check(path.join(dir, "nope.yaml"));
    expect(missing.stderr).toContain("nope.yaml: no such file or directory");
    const cfg = path.join(os.tmpdir(), `bad-policy-config-${process.pid}.json`);
    fs.writeFileSync(cfg, JSON.stringify({ "startup-budget": { minGraceSeconds: "sixty" } }));
    try {
      const bad = await check("--config", cfg, GOOD);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('startup-budget.minGraceSeconds: expected number, got string "sixty"');
      expect(bad.stderr).not.toMatch(/^\s+at /m);
    } finally {
      fs.rmSync(cfg);
    }
  });
});
