// Upstream pulumi-resource-command 1.2.1 (built from its source archive, see
// tools/pulumi-toolchain/README.md) under the real engine: @pulumi/command's
// remote.Command and CopyToRemote (verbatim, over SFTP) against a real sshd on
// 127.0.0.1 that offers ECDSA, ed25519 and RSA host keys like macOS, with the
// ed25519 key pinned, the key and stdin as secrets, triggers and delete commands.
// The Mac track (components/mac/node.ts) is built from exactly these resources.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSshHost, type SshHost } from "../support/sshd";
import { expectOk, Workspace } from "./support/engine";

const FIXTURE = "test/e2e/fixtures/remote";
const STACK = "remote";
const STDIN_SECRET = "stdin-secret-7d1f0c9e2b";

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("command provider: remote.Command and CopyToRemote over real SSH", () => {
  let ws: Workspace;
  let dir: string;
  let host: SshHost;

  const set = async (key: string, value: string, secret = false) =>
    expectOk(
      await ws.pulumi(["config", "set", "--stack", STACK, ...(secret ? ["--secret"] : []), key, ...(secret ? [] : ["--", value])], {
        cwd: dir,
        ...(secret ? { input: value } : {}),
      }),
      `pulumi config set ${key}`,
    );

  beforeAll(async () => {
    host = await startSshHost();
    ws = await Workspace.create("e2e-remote", { fixtures: ["remote"] });
    dir = join(ws.dir, FIXTURE);
    await ws.initStack(STACK, dir);
    await set("host", host.host);
    await set("port", String(host.port));
    await set("user", host.user);
    await set("hostKey", host.hostKey);
    await set("marker", "one");
    await set("privateKey", host.privateKey, true);
    await set("stdinSecret", STDIN_SECRET, true);
  });
  afterAll(async () => {
    await ws?.dispose();
    await host?.cleanup();
  });

  it("creates: uploads the file, runs the command with stdin, keeps secrets out of outputs and state", async () => {
    const up = expectOk(await ws.pulumi(["up", "--yes", "--stack", STACK], { cwd: dir }), "pulumi up");
    expect(up.output).toMatch(/command:remote:CopyToRemote/);
    const out = JSON.parse(expectOk(await ws.pulumi(["stack", "output", "--json", "--stack", STACK], { cwd: dir }), "stack output").stdout);
    expect(out.readStdout).toBe(`hello one|${host.user}|${STDIN_SECRET.length}`);
    expect(host.ssh("cat e2e-remote/hello.txt").stdout).toBe("hello one\n");
    // Neither the private key nor the stdin secret is readable in the state files.
    const keyBody = host.privateKey.split("\n")[1];
    for (const f of filesUnder(join(ws.root, "state"))) {
      const text = readFileSync(f, "utf8");
      expect(text).not.toContain(keyBody);
      expect(text).not.toContain(STDIN_SECRET);
    }
    expect(up.output).not.toContain(STDIN_SECRET);
  });

  it("an unchanged stack has no changes; a new trigger replaces the upload and the command", async () => {
    expectOk(await ws.pulumi(["up", "--yes", "--expect-no-changes", "--stack", STACK], { cwd: dir }), "pulumi up --expect-no-changes");
    await set("marker", "two");
    const up = expectOk(await ws.pulumi(["up", "--yes", "--stack", STACK], { cwd: dir }), "pulumi up (new marker)");
    expect(up.output).toMatch(/\+-\s+command:remote:Command\s+read\s+replaced/);
    const out = JSON.parse(expectOk(await ws.pulumi(["stack", "output", "--json", "--stack", STACK], { cwd: dir }), "stack output").stdout);
    expect(out.readStdout).toBe(`hello two|${host.user}|${STDIN_SECRET.length}`);
  });

  it("a changed host key refuses before any command runs", async () => {
    expect(host.hostKeys.ecdsa).toMatch(/^ecdsa-sha2-nistp256 /);
    const other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBRvUUcuGnXbyMpmU0gC1mC45D6mzkq6W8iTkPpcGXtz";
    await set("hostKey", other);
    await set("marker", "three");
    const up = await ws.pulumi(["up", "--yes", "--stack", STACK], { cwd: dir });
    expect(up.code).not.toBe(0);
    expect(up.output).toMatch(/host key mismatch/i);
    expect(host.ssh("cat e2e-remote/hello.txt").stdout).toBe("hello two\n");
    // nothing of the new marker ran: neither the upload nor the command
    expect(host.ssh("grep -rl three e2e-remote || echo none").stdout.trim()).toBe("none");
    await set("hostKey", host.hostKey);
    await set("marker", "two");
  });

  it("destroy runs the delete command", async () => {
    expectOk(await ws.pulumi(["destroy", "--yes", "--stack", STACK], { cwd: dir }), "pulumi destroy");
    expect(host.ssh("test -e e2e-remote && echo present || echo gone").stdout.trim()).toBe("gone");
  });
});
