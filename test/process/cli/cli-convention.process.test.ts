// The one command-line convention, on every tool as a real child process started
// the way its npm script starts it: --help exits 0 with the usage on stdout, an
// unknown flag exits 2 naming it and the valid flags, a stray argument is never
// echoed; the stack commands find the bootstrapped Pulumi CLI themselves (or say
// what to run) and say in one sentence that a render-only stack has nothing to
// check. Also: the compiled tools are rebuilt when a source changes, and policy:check
// from its warmed-up code cache prints what the plain bundle prints.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runProgram } from "../../support/program";

const SCRIPTS = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
const BIN = path.join(ROOT, "node_modules/.bin");
const TOOLS = ["policy:check", "ticket", "smoke", "diagnose", "config:check", "deploy", "size", "mac:lock"];
const BENCHES = ["bench:policy", "bench:smoke", "bench:dev", "bench:cli", "bench:memory", "docs:policies", "docs:config"];
const TOKEN = "Zq8xT3vN1pL6wR0yK4mB7cD2fH5jS9gA";

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cli-convention-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs an npm script's command as npm would (node_modules/.bin first on PATH), without npm's own start-up. */
function run(script: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): SpawnSyncReturns<string> {
  const words = SCRIPTS[script].split(" ");
  const full: NodeJS.ProcessEnv = { ...process.env, PATH: `${BIN}:${process.env.PATH}`, ...env };
  for (const k of Object.keys(full)) if (full[k] === undefined) delete full[k];
  return spawnSync(words[0], [...words.slice(1), ...args], { cwd, encoding: "utf8", timeout: 120_000, env: full });
}

describe("--help and unknown flags, on every tool and benchmark", () => {
  for (const script of [...TOOLS, ...BENCHES]) {
    it(`${script}: --help and -h exit 0 with the usage on stdout`, () => {
      for (const flag of ["--help", "-h"]) {
        const r = run(script, [flag]);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^usage: npm run ${script}`));
      }
    });
    it(`${script}: an unknown flag exits 2 naming it and the valid flags`, () => {
      const r = run(script, ["--frobnicate"]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^${script}: unknown option --frobnicate; valid flags: (--\\S+.*)?--help(; [^\\n]*)?\\n`));
      expect(r.stderr).toContain(`npm run ${script} -- --help`);
      expect(r.stdout).toBe("");
    });
  }

  it("npm run itself passes --help through (the path users type)", () => {
    const r = spawnSync("npm", ["run", "-s", "policy:check", "--", "--help"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run policy:check/);
  });

  it("a flag without its value exits 2 and says so", () => {
    const r = run("ticket", ["--stack"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ticket: --stack needs a value/);
  });

  it("a token pasted as a stray argument or a flag is never echoed", () => {
    for (const script of ["ticket", "smoke", "diagnose", "config:check"]) {
      for (const args of [["--stack", "prod", "x", TOKEN], [`--${TOKEN}`]]) {
        const r = run(script, args);
        expect(r.status, `${script} ${r.stderr}`).toBe(2);
        expect(r.stdout + r.stderr).not.toContain(TOKEN.slice(0, 12));
      }
    }
  });
});

describe("render-only stacks", () => {
  const sentence = (action: string) =>
    `stack local is render-only: nothing is deployed, so there is nothing to ${action}; use a stack that deploys, e.g. dev`;
  it("smoke --stack local says so in one sentence (exit 2), without calling pulumi or kubectl", () => {
    const r = run("smoke", ["--stack", "local"], { PATH: `${BIN}:/usr/bin:/bin`, OPENCLAW_INFRA_CACHE: path.join(tmp, "empty-cache") });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`smoke: ${sentence("smoke-test")}\n`);
  });
  it("diagnose --stack local says so in one sentence (exit 2)", () => {
    const r = run("diagnose", ["--stack", "local"], { PATH: `${BIN}:/usr/bin:/bin`, OPENCLAW_INFRA_CACHE: path.join(tmp, "empty-cache") });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`diagnose: ${sentence("diagnose")}\n`);
  });
  it("saved outputs of a render-only stack (its change ticket says renderedOnly) get the same sentence", () => {
    const file = path.join(tmp, "render-only.json");
    fs.writeFileSync(file, JSON.stringify({ changeTicket: { stack: "local", environment: "local", renderedOnly: true, cluster: null, endpoints: { namespace: "x" } } }));
    const smoke = run("smoke", ["--stack", "local", "--outputs", file]);
    expect(smoke.stderr).toBe(`smoke: ${sentence("smoke-test")}\n`);
    const diagnose = run("diagnose", ["--stack", "local", "--outputs", file]);
    expect(diagnose.stderr).toBe(`diagnose: ${sentence("diagnose")}\n`);
    expect([smoke.status, diagnose.status]).toEqual([2, 2]);
  });
});

describe("stack commands find the Pulumi CLI themselves", () => {
  let cache: string;
  let toolchain: string;
  let outputsFile: string;
  const record = () => JSON.parse(fs.readFileSync(path.join(tmp, "pulumi-call.json"), "utf8")) as { argv: string[]; backend: string; passphrase: boolean };
  // No pulumi on PATH: only the system directories and the project's node.
  const bare = () => ({ PATH: `${BIN}:/usr/bin:/bin`, OPENCLAW_INFRA_CACHE: cache, PULUMI_BACKEND_URL: undefined, PULUMI_CONFIG_PASSPHRASE: undefined });

  beforeAll(async () => {
    cache = path.join(tmp, "cache");
    // The same environment the tools get: the key hashes `go version` too, and go is not on this PATH.
    const env: NodeJS.ProcessEnv = { ...process.env, ...bare() };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    toolchain = spawnSync("bash", [path.join(ROOT, "scripts/setup/pulumi-env.sh"), "printenv", "OPENCLAW_TOOLCHAIN"], { env, encoding: "utf8" }).stdout.trim();
    expect(toolchain.startsWith(`${cache}/toolchain/`)).toBe(true);
    outputsFile = path.join(tmp, "outputs.json");
    fs.writeFileSync(outputsFile, JSON.stringify((await runProgram("prod")).outputs));
  });

  /** A stand-in for the toolchain's pulumi (building the real one takes minutes): records how it was called. */
  function fakePulumi(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, "pulumi"),
      `#!/bin/sh\nnode -e 'require("fs").writeFileSync(process.argv[1], JSON.stringify({argv: process.argv.slice(2), backend: process.env.PULUMI_BACKEND_URL || "", passphrase: !!process.env.PULUMI_CONFIG_PASSPHRASE}))' ${JSON.stringify(path.join(tmp, "pulumi-call.json"))} "$@"\ncat ${JSON.stringify(outputsFile)}\n`,
      { mode: 0o755 },
    );
  }

  it("without any Pulumi CLI, ticket says exactly what to run", () => {
    const r = run("ticket", ["--stack", "dev", "--out-dir", path.join(tmp, "t0")], bare());
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no Pulumi CLI: .*Run `npm run bootstrap:pulumi` once.*or pass --outputs/);
  });

  it("with the bootstrapped CLI and none on PATH: the repo-local stack gets its backend from pulumi-env.sh", () => {
    fakePulumi(path.join(toolchain, "bin"));
    const r = run("ticket", ["--stack", "dev", "--out-dir", path.join(tmp, "t1")], bare());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("values hash");
    const call = record();
    expect(call.argv).toEqual(["stack", "output", "--json", "--stack", "dev"]);
    expect(call.backend).toBe(`file://${ROOT}/.pulumi-state`);
    expect(call.passphrase).toBe(true);
  });

  it("another stack uses your pulumi when one is on PATH (your login and secrets provider)", () => {
    fakePulumi(path.join(toolchain, "bin"));
    const mine = path.join(tmp, "my-bin");
    fakePulumi(mine);
    fs.writeFileSync(path.join(mine, "pulumi"), fs.readFileSync(path.join(mine, "pulumi"), "utf8").replace("#!/bin/sh\n", "#!/bin/sh\nexport PULUMI_BACKEND_URL=mine\n"));
    const r = run("ticket", ["--stack", "prod", "--out-dir", path.join(tmp, "t3")], { ...bare(), PATH: `${BIN}:${mine}:/usr/bin:/bin` });
    expect(r.status, r.stderr).toBe(0);
    expect(record().backend).toBe("mine");
  });

  it("another stack uses the bootstrapped CLI with no backend or passphrase set for it", () => {
    fakePulumi(path.join(toolchain, "bin"));
    const r = run("ticket", ["--stack", "prod", "--out-dir", path.join(tmp, "t2")], bare());
    expect(r.status, r.stderr).toBe(0);
    const call = record();
    expect(call.argv).toEqual(["stack", "output", "--json", "--stack", "prod"]);
    expect(call.backend).toBe("");
    expect(call.passphrase).toBe(false);
  });

  it("diagnose --stack reads the outputs the same way before calling kubectl", () => {
    fakePulumi(path.join(toolchain, "bin"));
    // No cluster here: the outputs were read, then kubectl fails on the stack's context "prod".
    const r = run("diagnose", ["--stack", "prod"], { ...bare(), KUBECONFIG: path.join(tmp, "no-kubeconfig") });
    expect(record().argv).toEqual(["stack", "output", "--json", "--stack", "prod"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^diagnose: kubectl (--context prod .*failed|is not on PATH)/);
  });
});

/** A copy of the sources the compiled tools are built from, with the project's node_modules. */
function copySources(copy: string): void {
  for (const d of ["scripts", "components", "policy-pack", "policy-harness"]) {
    fs.cpSync(path.join(ROOT, d), path.join(copy, d), { recursive: true, filter: (src) => !src.includes("node_modules") });
  }
  for (const f of ["package.json", "tsconfig.json"]) fs.copyFileSync(path.join(ROOT, f), path.join(copy, f));
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"));
}

describe("the compiled tools are never stale", () => {
  it("a changed source is rebuilt before the next run; an mtime-only change is not", () => {
    const copy = path.join(tmp, "repo");
    copySources(copy);
    const launcher = path.join(copy, "scripts/cli/run.js");
    const help = () => spawnSync(path.join(BIN, "node"), [launcher, "ticket", "--help"], { cwd: copy, encoding: "utf8" });
    const built = path.join(copy, ".build/cli/ticket.js");

    expect(help().stdout).toMatch(/^usage: npm run ticket/);
    const first = fs.statSync(built).mtimeMs;

    const source = path.join(copy, "scripts/cli/ticket.ts");
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(source, later, later);
    expect(help().status).toBe(0);
    expect(fs.statSync(built).mtimeMs).toBe(first);

    fs.writeFileSync(source, fs.readFileSync(source, "utf8").replace("usage: npm run ticket", "usage: npm run ticket (changed)"));
    const r = help();
    expect(r.stdout).toMatch(/^usage: npm run ticket \(changed\)/);
    expect(fs.statSync(built).mtimeMs).toBeGreaterThan(first);
  });

  it("policy:check from its code cache prints what the plain bundle prints; a changed source remakes the cache", () => {
    const copy = path.join(tmp, "repo-warm");
    copySources(copy);
    const check = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      spawnSync(path.join(BIN, "node"), [path.join(copy, "scripts/cli/run.js"), "policy-check", ...args], { cwd: copy, encoding: "utf8", env: { ...process.env, ...env } });
    const cache = path.join(copy, ".build/cli/policy-check.code-cache");
    const good = path.join(ROOT, "test/fixtures/policy/good-gateway.yaml");
    const fixtures = [
      ["--json", "--explain", "--stack", "prod", good],
      ["--json", "--verbose", path.join(ROOT, "test/fixtures/policy-corpus/files")],
      [path.join(ROOT, "test/fixtures/policy-corpus/files")],
    ];
    const same = (runs = fixtures) => {
      for (const args of runs) {
        const warm = check(args);
        const plain = check(args, { OPENCLAW_CLI_CODE_CACHE: "0" });
        expect(warm.stderr).toBe("");
        expect([warm.status, warm.stdout]).toEqual([plain.status, plain.stdout]);
        expect(warm.stdout).toMatch(/violation/);
      }
    };

    same();
    expect(fs.statSync(cache).size).toBeGreaterThan(100_000);
    const made = fs.readFileSync(cache);

    // A cache V8 refuses (here: not a cache at all) costs speed, never output.
    fs.writeFileSync(cache, "not a code cache");
    same(fixtures.slice(0, 1));
    fs.writeFileSync(cache, made);

    const source = path.join(copy, "scripts/cli/policy-check.ts");
    fs.writeFileSync(source, fs.readFileSync(source, "utf8").replace("advisory violation(s) in", "advisory violation(s) (changed) in"));
    const r = check([good]);
    expect(r.stdout).toMatch(/advisory violation\(s\) \(changed\) in 8 object/);
    expect(fs.readFileSync(cache).equals(made)).toBe(false);
    const stamp = JSON.parse(fs.readFileSync(`${cache}.json`, "utf8"));
    expect(stamp.key.bundle.mtimeMs).toBe(fs.statSync(path.join(copy, ".build/cli/policy-check.js")).mtimeMs);
    same(fixtures.slice(1, 2));
    // Two esbuild builds and 11 checks on a loaded machine.
  }, 240_000);
});
