// MacGatewayNode under Pulumi mocks: the SSH resources @pulumi/command 1.2.1 gets, their
// secrets, host-key pinning, dial limits and triggers; identical inputs on a re-run (so an
// unchanged `pulumi up` runs no remote command); the release check before anything registers.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { macConfigSchema, MacConfigError, type MacConfigInput } from "../../../components/mac/config";
import { MacGatewayNode, parseInstallResult } from "../../../components/mac/node";
import { installStdin } from "../../../components/mac/plan";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const DIGEST = "sha256:" + "ab12".repeat(16);
const IMAGE = { ref: `ghcr.io/openclaw/openclaw:2026.9.6@${DIGEST}`, release: "2026.9.6" };
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh0ZXN0aG9zdGtleXRlc3Rob3N0a2V5dGVzdGhvc3Q";
const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE " + "KEY-----\nPRIVATE-KEY-MATERIAL\n-----END OPENSSH PRIVATE " + "KEY-----\n";
const TOKEN = "mac-token-0123456789abcdef0123456789";
// The real pack is tested in test/process/mac/pack.process.test.ts and install.process.test.ts; here only its identity matters.
const FAKE_PACK = { file: "/dev/null", sha256: "e".repeat(64), bytes: 0, tarballs: 0 };

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  secretPaths: string[];
}
let registered: Registered[] = [];

function unwrap(v: any, at: string, found: string[]): any {
  if (Array.isArray(v)) return v.map((x, i) => unwrap(x, `${at}[${i}]`, found));
  if (v !== null && typeof v === "object") {
    if (v[SECRET_SIG] !== undefined && "value" in v) {
      found.push(at);
      return unwrap(v.value, at, found);
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x, at ? `${at}.${k}` : k, found)]));
  }
  return v;
}

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const secretPaths: string[] = [];
        registered.push({ type: args.type, name: args.name, inputs: unwrap(args.inputs, "", secretPaths), secretPaths });
        const state = { ...args.inputs };
        if (args.type === "command:remote:Command") state.stdout = "OPENCLAW_MAC_RESULT action=bootstrap release=2026.9.6 gen=g pid=42\n";
        return { id: `${args.name}-id`, state };
      },
      call: () => ({}),
    },
    "openclaw-gateway-infra",
    "test",
    false,
  );
});

const cfg = (over: Partial<MacConfigInput> = {}) =>
  macConfigSchema.parse({ ssh: { host: "mac-mini.example.internal", user: "openclaw", privateKey: PRIVATE_KEY, hostKey: HOST_KEY }, release: "2026.9.6", ...over });

const outputOf = <T>(o: pulumi.Output<T>) => new Promise<T>((r) => o.apply((v) => (r(v), v)));

async function build(over: Partial<MacConfigInput> = {}) {
  registered = [];
  const node = new MacGatewayNode("mac", { mac: cfg(over), clusterImage: IMAGE, token: TOKEN, pack: FAKE_PACK });
  const installResult = await outputOf(node.installResult);
  await new Promise((r) => setTimeout(r, 50));
  return { node, installResult, resources: [...registered] };
}

describe("MacGatewayNode under mocks", () => {
  it("registers prepare, uninstall hook, bundle upload and install under one openclaw:mac:Node", async () => {
    const { resources } = await build();
    expect(resources.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      "command:remote:Command mac-install",
      "command:remote:Command mac-prepare",
      "command:remote:Command mac-uninstall",
      "command:remote:CopyToRemote mac-bundle",
      "command:remote:CopyToRemote mac-pack",
      "openclaw:mac:Node mac",
      "pulumi-nodejs:dynamic/openclaw:MacContrastSignoff mac-signoff",
    ]);
  });

  it("connects as the configured user (never root) with the host key pinned, dial limits set and the key a secret", async () => {
    const { resources } = await build({ ssh: { host: "10.1.2.3", port: 2222, user: "gw", privateKey: PRIVATE_KEY, hostKey: HOST_KEY, dialErrorLimit: 2, perDialTimeout: 7 } });
    for (const r of resources.filter((x) => x.type.startsWith("command:"))) {
      expect(r.inputs.connection, r.name).toEqual({ host: "10.1.2.3", port: 2222, user: "gw", privateKey: PRIVATE_KEY, hostKey: HOST_KEY, dialErrorLimit: 2, perDialTimeout: 7 });
      // The SDK holds the whole connection as a secret (components/mac/README.md, "Facts"), the key included.
      expect(r.secretPaths.filter((p) => p === "connection" || p === "connection.privateKey"), r.name).not.toEqual([]);
    }
  });

  it("sends the token and openclaw.json (settings may hold secrets) on stdin as a secret and nowhere else", async () => {
    const { node, resources } = await build({ gateway: { settings: { channels: { demo: { apiKey: "sk-settings-0123456789abcdef" } } } } as never });
    const install = resources.find((r) => r.name === "mac-install")!;
    expect(install.inputs.stdin).toBe(installStdin(TOKEN, node.plan.gatewayConfig));
    expect(install.secretPaths).toContain("stdin");
    // The sign-off's SSH tunnel needs the key and token too: as secrets.
    const signoff = resources.find((r) => r.name === "mac-signoff")!;
    expect(signoff.secretPaths).toEqual(expect.arrayContaining(["privateKey", "token"]));
    const strip = (r: Registered) => {
      const copy = JSON.parse(JSON.stringify(r.inputs));
      for (const p of r.secretPaths) {
        const parts = p.split(".");
        let o = copy;
        for (const k of parts.slice(0, -1)) o = o?.[k];
        if (o) delete o[parts[parts.length - 1]];
      }
      return copy;
    };
    const plain = JSON.stringify(resources.map(strip));
    expect(plain).not.toContain(TOKEN);
    expect(plain).not.toContain("sk-settings-0123456789abcdef");
    expect(plain).not.toContain("PRIVATE-KEY-MATERIAL");
  });

  it("triggers the install only on the release, plist and config hashes; destroy runs the uninstaller", async () => {
    const { node, resources } = await build();
    const install = resources.find((r) => r.name === "mac-install")!;
    expect(install.inputs.triggers).toEqual([node.plan.releaseSha256, node.plan.plistServiceSha256, node.plan.configSha256]);
    expect(install.inputs.create).toBe(node.plan.installCommand);
    expect(install.inputs.delete).toBeUndefined(); // a replace must never uninstall
    expect(resources.find((r) => r.name === "mac-uninstall")!.inputs.delete).toBe(node.plan.uninstallCommand);
    const bundle = resources.find((r) => r.name === "mac-bundle")!;
    expect(bundle.inputs.remotePath).toBe(node.plan.bundleRemotePath);
    expect(bundle.inputs.triggers).toEqual([node.plan.bundleSha256]);
    // The release pack: copied verbatim to where the manifest says, replaced when its sha256 changes.
    const pack = resources.find((r) => r.name === "mac-pack")!;
    expect(pack.inputs.remotePath).toBe(node.plan.packRemotePath);
    expect(pack.inputs.triggers).toEqual([FAKE_PACK.sha256]);
    expect(node.plan.files["manifest.env"]).toContain(`PACK_SHA256='${FAKE_PACK.sha256}'`);
  });

  it("renders identical inputs on a re-run, so an unchanged pulumi up has nothing to run", async () => {
    const a = (await build()).resources;
    const b = (await build()).resources;
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const c = (await build({ gateway: { heapMiB: 3072 } as never })).resources;
    const changed = c.filter((r, i) => JSON.stringify(r.inputs) !== JSON.stringify(a[i].inputs)).map((r) => r.name);
    expect(changed.sort()).toEqual(["mac-bundle", "mac-install", "mac-signoff"]);
  });

  it("exposes the release, its integrity and what the install did, without secrets", async () => {
    const { node, installResult } = await build();
    expect(await outputOf(node.release)).toBe("2026.9.6");
    expect(await outputOf(node.releaseIntegrity)).toMatch(/^sha512-/);
    expect(await outputOf(node.bind)).toBe("loopback");
    expect(await outputOf(node.sshTunnel)).toBe("ssh -N -L 18789:127.0.0.1:18789 -p 22 openclaw@mac-mini.example.internal");
    expect(installResult).toEqual({ action: "bootstrap", release: "2026.9.6", gen: "g", pid: "42" });
  });

  it("refuses a Mac on another release than the cluster before registering any SSH resource", async () => {
    registered = [];
    expect(() => new MacGatewayNode("bad", { mac: cfg({ release: "2026.9.5" }), clusterImage: IMAGE, token: TOKEN })).toThrow(MacConfigError);
    expect(() => new MacGatewayNode("bad2", { mac: cfg({ release: "2026.9.5" }), clusterImage: IMAGE, token: TOKEN })).toThrow(
      /mac\.release "2026\.9\.5" differs from the cluster's image\.release "2026\.9\.6"; set mac\.release to "2026\.9\.6"/,
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(registered.filter((r) => r.type.startsWith("command:"))).toEqual([]);
  });
});

describe("parseInstallResult", () => {
  it("reads the last result line and ignores the rest", () => {
    expect(parseInstallResult("noise\nOPENCLAW_MAC_RESULT action=none release=2026.9.6 gen=a-b pid=7\n")).toEqual({ action: "none", release: "2026.9.6", gen: "a-b", pid: "7" });
    expect(parseInstallResult("nothing here")).toEqual({});
  });
});
