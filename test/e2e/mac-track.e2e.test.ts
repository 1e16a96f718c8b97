// The Mac track under the real engine. The program's own MacGatewayNode
// (remote.Command / CopyToRemote, served by upstream pulumi-resource-command 1.2.1)
// packs the release on this machine with the user's npm, copies it over SFTP and
// installs the real pinned gateway offline on the fake Mac of test/support/mac.ts (a
// real sshd on 127.0.0.1 offering ECDSA, ed25519 and RSA host keys, a throwaway user
// with no route to any registry, launchctl a TEST DOUBLE). The smoke checks reach it
// through a real SSH tunnel with the pinned host key, `npm run ticket` turns the stack
// outputs into the ticket, a second `pulumi up --expect-no-changes` passes, a changed
// host key is refused before any command runs, and `pulumi destroy` removes the install.
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { openTunnel, type Tunnel } from "../../components/mac/tunnel";
import { runChecks } from "../../components/smoke/checks";
import { freeLoopbackPort } from "../support/gateway";
import { doubleCalls, startFakeMac, type FakeMac } from "../support/mac";
import { expectOk, run, Workspace } from "./support/engine";

const STACK = "mac";
const PROJECT = "openclaw-gateway-infra";

describe("Mac track under the real engine (launchctl is a TEST DOUBLE)", () => {
  let ws: Workspace;
  let mac: FakeMac;
  let port: number;
  let tunnel: Tunnel | undefined;
  const token = randomBytes(24).toString("hex");
  const root = () => `${mac.ssh.home}/Library/Application Support/openclaw-gateway`;

  beforeAll(async () => {
    mac = await startFakeMac();
    // The Mac has launchctl in /bin; the test host has the double in its own dir.
    // MacGatewayNode's commands run as they would on the Mac, so the double goes
    // on the session PATH through sshd itself.
    appendFileSync(join(mac.ssh.dir, "sshd_config"), `SetEnv PATH=${mac.doublesDir}:/usr/local/bin:/usr/bin:/bin\n`);
    mac.ssh.stopSshd();
    await mac.ssh.startSshd();
    port = await freeLoopbackPort();

    ws = await Workspace.create("e2e-mac");
    // The local stack (render-only Kubernetes track) plus a Mac: the same release on both tracks.
    const doc = parse(readFileSync(join(ws.dir, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, unknown> };
    doc.config[`${PROJECT}:render`] = { directory: "rendered/mac" };
    doc.config[`${PROJECT}:mac`] = {
      ssh: { host: "127.0.0.1", port: mac.ssh.port, user: mac.ssh.user, hostKey: mac.ssh.hostKey, dialErrorLimit: 3, perDialTimeout: 10 },
      release: "2026.9.6",
      home: mac.ssh.home,
      native: { node: mac.node },
      gateway: { port, healthTimeoutSeconds: 300 },
    };
    ws.write(`Pulumi.${STACK}.yaml`, stringify(doc));
    await ws.initStack(STACK);
    // The secrets go through the CLI, encrypted with the stack's passphrase provider.
    expectOk(await ws.pulumi(["config", "set", "--stack", STACK, "--secret", "--path", "mac.ssh.privateKey"], { input: mac.ssh.privateKey }), "set privateKey");
    expectOk(await ws.pulumi(["config", "set", "--stack", STACK, "--secret", "--path", "mac.gateway.token"], { input: token }), "set token");
  });

  afterAll(async () => {
    await tunnel?.close();
    await ws?.dispose();
    await mac?.cleanup();
  });

  it("pulumi up installs the release on the Mac; the gateway answers health and a tool call through the SSH tunnel", async () => {
    const up = expectOk(await ws.pulumi(["up", "--yes", "--stack", STACK, ...ws.policyArgs(STACK)]), "pulumi up");
    expect(up.output).toMatch(/openclaw:mac:Node/);
    expect(up.output).not.toContain(token);
    const outputs = JSON.parse(expectOk(await ws.pulumi(["stack", "output", "--json", "--stack", STACK]), "stack output").stdout);
    expect(outputs.mac.release).toBe("2026.9.6");
    expect(outputs.mac.installResult.action).toMatch(/bootstrap|reload|kickstart/);
    expect(JSON.stringify(outputs)).not.toContain(token);
    expect(doubleCalls(mac).some((c) => c.startsWith("bootstrap"))).toBe(true);

    tunnel = await openTunnel({
      host: "127.0.0.1", port: mac.ssh.port, user: mac.ssh.user, privateKey: mac.ssh.privateKey, hostKey: mac.ssh.hostKey,
      dialErrorLimit: 2, perDialTimeout: 5, remotePort: port,
    });
    const evidence = await runChecks({ baseUrl: tunnel.url, token, budgetMs: 60_000, pathName: "macSshTunnel" });
    expect(evidence.ok, JSON.stringify(evidence.checks, null, 2)).toBe(true);
    expect(evidence.gatewayVersion).toBe("2026.9.6");
  });

  it("npm run ticket turns the stack outputs into the ticket, without secrets", async () => {
    const outDir = join(ws.root, "tickets");
    const r = await run("npm", ["run", "-s", "ticket", "--", "--stack", STACK, "--out-dir", outDir], { cwd: ws.dir, env: ws.env, timeoutMs: 120_000 });
    expect(r.code, r.output).toBe(0);
    const files = readdirSync(outDir);
    expect(files.some((f) => f.endsWith(".md"))).toBe(true);
    expect(files.some((f) => f.endsWith(".json"))).toBe(true);
    const text = files.map((f) => readFileSync(join(outDir, f), "utf8")).join("\n");
    expect(text).toContain("2026.9.6");
    // Honest plugin versions: what `pulumi plugin ls` shows, and what each was built from.
    expect(text).toMatch(/engine plugin resource kubernetes \| registered as 4\.34\.2; built from github\.com\/pulumi\/pulumi-kubernetes\/provider\/v4@v4\.0\.0-20260115/);
    expect(text).toMatch(/engine plugin resource command \| registered as 1\.2\.1; built from github\.com\/pulumi\/pulumi-command@7f3eb6f3b77cd0fa3895ba437a695dd393f7dd25 \(v1\.2\.1\)/);
    expect(text).toMatch(/engine plugin language nodejs \| on PATH \(-version v3\.260\.0\); built from github\.com\/pulumi\/pulumi@1b5949891b/);
    expect(text).not.toContain(token);
    expect(text).not.toContain(mac.ssh.privateKey.split("\n")[1]);
  });

  it("a host key other than the pinned ed25519 key is refused before any command runs", async () => {
    const before = doubleCalls(mac).length;
    const current = readlinkSync(join(root(), "current"));
    const doc = parse(ws.read(`Pulumi.${STACK}.yaml`)) as { config: Record<string, any> };
    const original = ws.read(`Pulumi.${STACK}.yaml`);
    const wrong = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBRvUUcuGnXbyMpmU0gC1mC45D6mzkq6W8iTkPpcGXtz";
    doc.config[`${PROJECT}:mac`].ssh.hostKey = wrong;
    // a changed setting, so the install command would run if the connection were accepted
    doc.config[`${PROJECT}:mac`].gateway.healthTimeoutSeconds = 301;
    ws.write(`Pulumi.${STACK}.yaml`, stringify(doc));
    try {
      const up = await ws.pulumi(["up", "--yes", "--stack", STACK, ...ws.policyArgs(STACK)]);
      expect(up.code).not.toBe(0);
      expect(up.output).toMatch(/host key mismatch|handshake failed/i);
      expect(up.output).not.toContain(token);
      expect(readlinkSync(join(root(), "current"))).toBe(current);
      expect(doubleCalls(mac).slice(before).filter((c) => /^(bootstrap|bootout|kickstart)/.test(c))).toEqual([]);
    } finally {
      ws.write(`Pulumi.${STACK}.yaml`, original);
    }
  });

  it("a second pulumi up --expect-no-changes passes; pulumi destroy removes the Mac install", async () => {
    expectOk(await ws.pulumi(["up", "--yes", "--expect-no-changes", "--stack", STACK, ...ws.policyArgs(STACK)]), "pulumi up --expect-no-changes");
    await tunnel?.close();
    tunnel = undefined;
    expectOk(await ws.pulumi(["destroy", "--yes", "--stack", STACK]), "pulumi destroy");
    expect(existsSync(root())).toBe(false);
    expect(doubleCalls(mac).some((c) => c.startsWith("bootout"))).toBe(true);
  });
});
