// `npm run config:check` as a child process, as pre-commit and CI run it: the
// committed stacks pass, a bad file lists every problem at once (exit 1) without
// a secret, unreadable input is exit 2, --help exit 0.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { node24 } from "../../support/gateway";
import { leakedFragment } from "../../support/leak";

const ROOT = resolve(__dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "config-check-"));
copyFileSync(join(ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function check(args: string[], cwd = ROOT) {
  // `npm run config:check`'s command: the compiled tool, rebuilt by scripts/cli/run.js when a source changed.
  const r = spawnSync(node24(), [join(ROOT, "scripts/cli/run.js"), "config-check", ...args], { cwd, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

function stackFile(name: string, body: string): string {
  const p = join(dir, `Pulumi.${name}.yaml`);
  writeFileSync(p, body);
  return p;
}

const TOKEN = "c0ffee11d00d4b5e9a8f7e6d5c4b3a29181716151413121110f0e0d0c0b0a090";
const GOOD = `config:
  openclaw-gateway-infra:image:
    ref: ghcr.io/openclaw/openclaw:2026.9.6@sha256:${"ab".repeat(32)}
    release: 2026.9.6
    buildId: eb377ac
  openclaw-gateway-infra:gatewayToken:
    secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB
  openclaw-gateway-infra:network:
    ingressSources:
      - namespaceSelector:
          kubernetes.io/metadata.name: ingress-nginx
    kubeletCidrs:
      - 10.20.0.0/16
  openclaw-gateway-infra:cluster:
    context: staging
`;

describe("npm run config:check", () => {
  it("the committed stacks pass (local as is; staging and prod with the token set at deploy time)", () => {
    expect(check(["--stack", "local"])).toMatchObject({ code: 0 });
    for (const s of ["staging", "prod"]) {
      const r = check(["--stack", s, "--assume-secrets"]);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(new RegExp(`stack "${s}" .* is valid`));
    }
    // Without the flag the missing token is a real problem: `pulumi up` would refuse too.
    const r = check(["--stack", "prod"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/openclaw-gateway-infra:gatewayToken .*is missing/);
  });

  it("a valid file with a secure token passes; defaults come from Pulumi.yaml and the stack name", () => {
    const r = check([stackFile("qa", GOOD)]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/stack "qa"/);
  });

  it("top-level values are read as the engine passes them: namespace 2024 and environment 1e3 stay text", () => {
    const r = check([stackFile("text", `${GOOD}  openclaw-gateway-infra:namespace: 2024\n  openclaw-gateway-infra:environment: 1e3\n  openclaw-gateway-infra:replicas: 2\n`)]);
    expect(r.code, r.out).toBe(0);
  });

  it("lists every problem at once with key, value and what is right; exit 1; a plain token is never printed", () => {
    const bad = GOOD.replace(/  openclaw-gateway-infra:gatewayToken:\n    secure: .*\n/, `  openclaw-gateway-infra:gatewayToken: ${TOKEN}\n`)
      .replace("release: 2026.9.6", "release: 2026.13.99")
      .replace("- 10.20.0.0/16", "- 0.0.0.0/0")
      .concat("  openclaw-gateway-infra:replicas: 0\n  openclaw-gateway-infra:labels:\n    team: \"-x\"\n  openclaw-gateway-infra:resources:\n    memoryLimit: 1000000000Ei\n");
    const r = check([stackFile("bad", bad)]);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/problems/);
    for (const key of ["gatewayToken", "image.release", "network.kubeletCidrs.0", "replicas", "labels.team", "resources.memoryLimit"]) {
      expect(r.out).toContain(`openclaw-gateway-infra:${key}`);
    }
    expect(r.out).toMatch(/gatewayToken is stored in plain text/);
    expect(r.out).toMatch(/network\.kubeletCidrs\.0 = "0\.0\.0\.0\/0"/);
    expect(leakedFragment(r.out, TOKEN)).toBeUndefined();
  });

  it("unreadable input is exit 2: no file, not YAML, not a map, duplicate keys", () => {
    expect(check(["--stack", "does-not-exist"]).code).toBe(2);
    expect(check([join(dir, "Pulumi.missing.yaml")]).code).toBe(2);
    expect(check([stackFile("broken", "config:\n  a: [unclosed\n")]).code).toBe(2);
    expect(check([stackFile("list", "- just\n- a list\n")]).code).toBe(2);
    expect(check([stackFile("dup", `${GOOD}  openclaw-gateway-infra:replicas: 1\n  openclaw-gateway-infra:replicas: 2\n`)]).code).toBe(2);
  });

  it("bad usage is exit 2, --help exit 0", () => {
    expect(check([]).code).toBe(2);
    expect(check(["--frobnicate"]).code).toBe(2);
    const help = check(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/usage: npm run config:check/);
  });
});
