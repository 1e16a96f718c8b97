// scripts/setup/pulumi-env.sh decides the backend only for the repo-local stacks: a
// staging/prod shell never ends up in the repo's file backend with the public
// passphrase, and a backend the user chose is kept. Real bash, real script.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../../..");
const ENV = resolve(ROOT, "scripts/setup/pulumi-env.sh");
const OURS = `file://${ROOT}/.pulumi-state`;
const PUBLIC = "openclaw-local-stack-not-a-secret";

/** Runs a bash snippet with a clean Pulumi environment plus `extra`; returns the backend and passphrase it ends with. */
function shell(snippet: string, extra: Record<string, string> = {}) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...extra };
  const r = spawnSync("bash", ["-c", `${snippet}\necho "BACKEND=\${PULUMI_BACKEND_URL-unset}"; echo "PASS=\${PULUMI_CONFIG_PASSPHRASE-unset}"; echo "TOKEN=\${PULUMI_ACCESS_TOKEN-unset}"`], { env, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  const get = (k: string) => /^(.*)$/m.exec(r.stdout.split("\n").find((l) => l.startsWith(`${k}=`))!.slice(k.length + 1))![1];
  return { backend: get("BACKEND"), pass: get("PASS"), token: get("TOKEN"), stderr: r.stderr };
}

describe("scripts/setup/pulumi-env.sh: backend and passphrase for the local stacks only", () => {
  it("--stack local and --stack dev get the repo-local file backend and the public passphrase", () => {
    for (const s of ["local", "dev"]) {
      expect(shell(`source ${ENV} --stack ${s}`)).toMatchObject({ backend: OURS, pass: PUBLIC });
    }
    expect(shell(`source ${ENV}`, { OPENCLAW_STACK: "local" })).toMatchObject({ backend: OURS, pass: PUBLIC });
  });

  it("staging, prod and no stack at all: neither is set", () => {
    for (const args of ["--stack prod", "--stack staging", "--stack=prod", ""]) {
      const r = shell(`source ${ENV} ${args}`);
      expect(r, args).toMatchObject({ backend: "unset", pass: "unset" });
    }
    expect(shell(`source ${ENV} --stack prod`).stderr).toMatch(/pulumi login <your backend>/);
  });

  it("a shell that sourced it for local and then for prod loses the local backend and passphrase", () => {
    const r = shell(`source ${ENV} --stack local 2>/dev/null; source ${ENV} --stack prod`);
    expect(r).toMatchObject({ backend: "unset", pass: "unset" });
    expect(r.stderr).toMatch(/unset PULUMI_BACKEND_URL/);
  });

  it("a backend and passphrase the user chose win, for every stack", () => {
    const mine = { PULUMI_BACKEND_URL: "s3://my-bucket/state", PULUMI_CONFIG_PASSPHRASE: "my own passphrase", PULUMI_ACCESS_TOKEN: "pul-mine" };
    expect(shell(`source ${ENV} --stack prod`, mine)).toEqual(expect.objectContaining({ backend: mine.PULUMI_BACKEND_URL, pass: mine.PULUMI_CONFIG_PASSPHRASE, token: "pul-mine" }));
    const local = shell(`source ${ENV} --stack local`, mine);
    expect(local).toMatchObject({ backend: mine.PULUMI_BACKEND_URL, pass: mine.PULUMI_CONFIG_PASSPHRASE });
    expect(local.stderr).toMatch(/keeping your PULUMI_BACKEND_URL/);
  });

  it("run again inside a shell that sourced it (npm run deploy inside dev:up), it names the same toolchain", () => {
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root" };
    const r = spawnSync("bash", ["-c", `source ${ENV} --stack dev >/dev/null 2>&1; echo "OUTER=$OPENCLAW_TOOLCHAIN_KEY"; bash ${ENV} --stack dev bash -c 'echo "INNER=$OPENCLAW_TOOLCHAIN_KEY"' 2>/dev/null`], { env, encoding: "utf8" });
    const outer = /^OUTER=(.+)$/m.exec(r.stdout)?.[1];
    expect(outer, r.stderr).toMatch(/^pulumi-[\d.]+_k8s-[\d.]+_[a-f0-9]{12}$/);
    expect(/^INNER=(.+)$/m.exec(r.stdout)?.[1]).toBe(outer);
  });

  it("executed with a command, the command's own --stack decides", () => {
    const run = (args: string[]) => spawnSync("bash", [ENV, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root" }, encoding: "utf8" });
    expect(run(["bash", "-c", 'echo "${PULUMI_BACKEND_URL-unset}"', "--stack", "local"]).stdout.trim()).toBe(OURS);
    expect(run(["bash", "-c", 'echo "${PULUMI_BACKEND_URL-unset}"', "-s", "prod"]).stdout.trim()).toBe("unset");
    expect(run(["--stack", "dev", "bash", "-c", 'echo "${PULUMI_BACKEND_URL-unset}"']).stdout.trim()).toBe(OURS);
  });
});
