// The manifest checker as a user runs it: a real process (`npm run policy:check`'s
// command) over YAML files and directories, its output lines and exit codes.
import { execFile, execFileSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { caseYaml, FIXTURES, GOOD, loadCases } from "../../../policy-harness/cases";

const ROOT = path.resolve(__dirname, "../../..");

// Checkers still running when a test ends. A test that times out (or fails while
// awaiting one) would otherwise leave its checker running on the shared cores long
// after the run: afterEach kills them, whatever ended the test.
const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
});

function check(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // `npm run policy:check`'s command: the compiled tool (scripts/cli/run.js rebuilds it when a source changed).
    const child = execFile(process.execPath, [path.join(ROOT, "scripts/cli/run.js"), "policy-check", ...args], { cwd: ROOT }, (e, stdout, stderr) => {
      running.delete(child);
      if (!e) return resolve({ code: 0, stdout, stderr });
      if (typeof e.code !== "number") return reject(e);
      resolve({ code: e.code, stdout, stderr });
    });
    running.add(child);
  });
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
    expect(r.stdout.trim()).toBe("0 mandatory, 0 advisory violation(s) in 8 object(s) from 1 file(s)");
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

describe("npm run policy:check on hostile input", () => {
  let hostile: string;
  beforeAll(() => {
    hostile = fs.mkdtempSync(path.join(os.tmpdir(), "policy-check-hostile-"));
    fs.mkdirSync(path.join(hostile, "fifo"));
    execFileSync("mkfifo", [path.join(hostile, "fifo", "pipe.yaml")]);
    fs.mkdirSync(path.join(hostile, "loop"));
    fs.symlinkSync("b.yaml", path.join(hostile, "loop", "a.yaml"));
    fs.symlinkSync("a.yaml", path.join(hostile, "loop", "b.yaml"));
    fs.mkdirSync(path.join(hostile, "cycle"));
    fs.writeFileSync(path.join(hostile, "cycle", "cm.json"), JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "from-json" }, data: {} }));
    fs.mkdirSync(path.join(hostile, "cycle", "sub"));
    fs.symlinkSync("..", path.join(hostile, "cycle", "sub", "up"));
    fs.writeFileSync(path.join(hostile, "empty.yaml"), "# nothing here\n---\n");
    fs.writeFileSync(path.join(hostile, "ansi.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: { name: \"p\\e[31mred\" }\nspec: { containers: [{ name: c, image: x }] }\n");
    fs.writeFileSync(path.join(hostile, "probe-list.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [{ name: c, image: x, readinessProbe: { httpGet: { path: [a], port: 1 } } }] }\n");
    fs.writeFileSync(path.join(hostile, "bad-regex.json"), JSON.stringify({ "gateway-recognition": { imagePatterns: ["(unclosed"] } }));
    fs.writeFileSync(path.join(hostile, "big.yaml"), "a: " + "x".repeat(4096) + "\n");
  });
  afterAll(() => fs.rmSync(hostile, { recursive: true, force: true }));

  it("refuses FIFOs, devices, symlink loops, oversized and empty input with clear errors; never an internal error", async () => {
    const H = (p: string) => path.join(hostile, p);
    // Four at a time on shared cores.
    const runs = [
      ...(await Promise.all([check(H("fifo")), check("/dev/zero"), check(H("loop")), check(H("empty.yaml"))])),
      ...(await Promise.all([check("--allow-empty", H("empty.yaml")), check("--max-bytes", "1000", H("big.yaml")), check(H("probe-list.yaml")), check("--config", H("bad-regex.json"), GOOD)])),
    ];
    const [fifo, zero, loop, empty, allowed, big, probeList, regex] = runs;
    expect(fifo.stderr).toContain(`${H("fifo/pipe.yaml")}: is a FIFO (named pipe); only regular files are read`);
    expect(zero.stderr).toContain("/dev/zero: is a character device; only regular files are read");
    expect(loop.stderr).toMatch(/loop\/a\.yaml: symbolic link loop/);
    expect(empty.stderr).toContain("empty input is refused (pass --allow-empty to accept it)");
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain("0 mandatory, 0 advisory violation(s) in 0 object(s)");
    expect(big.stderr).toMatch(/big\.yaml: input is larger than 1000 bytes .*raise --max-bytes/);
    expect(probeList.stderr).toContain("probe-list.yaml: document 1 (Pod/default/p): spec.containers[0].readinessProbe.httpGet.path is a sequence, expected a string");
    expect(regex.stderr).toContain('gateway-recognition.imagePatterns[0]: "(unclosed" is not a valid regular expression');
    for (const [i, r] of runs.entries()) {
      if (i === 4) continue;
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
    }
  }, 600_000);

  it("walks symlinked directory cycles once, reads .json manifests, escapes control characters, explains", async () => {
    const [cycle, ansi, explain] = await Promise.all([
      check("--allow-empty", path.join(hostile, "cycle")),
      check(path.join(hostile, "ansi.yaml")),
      check("--explain", M("upstream-kustomize-loopback-exec-probes.yaml")),
    ]);
    expect(cycle.code).toBe(0);
    expect(cycle.stdout).toContain("in 1 object(s) from 1 file(s)");
    expect(ansi.stdout).toContain("Pod/default/p\\x1b[31mred");
    expect(ansi.stdout).not.toContain("\u001b");
    expect(explain.stdout).toContain("EXPLAIN Deployment/openclaw/openclaw");
    expect(explain.stdout).toContain('container "gateway": the gateway: runs node /app/dist/index.js gateway run (command)');
    expect(explain.stdout).toContain("bind: loopback (from gateway.bind in the config file)");
    expect(explain.stdout).toMatch(/P95 working set: none declared; memory-headroom uses the built-in footprint of openclaw 2026\.9 as the floor \(1013Mi\)/);
  }, 300_000);
});
