// The real program (index.ts) under mocks: a stack with `mac` gets one MacGatewayNode on
// the cluster's release; a stack without it gets none; a Mac on another release stops the
// program before anything registers.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { packRelease } from "../../../components/mac/pack";
import { loadReleaseRecord } from "../../../components/mac/release";
import { runProgram, runProgramExpectingError, TEST_TOKEN } from "../../support/program";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh0ZXN0aG9zdGtleXRlc3Rob3N0a2V5dGVzdGhvc3Q";
const KEY = "-----BEGIN OPENSSH PRIVATE " + "KEY-----\nPRIVATE-KEY-MATERIAL\n-----END OPENSSH PRIVATE " + "KEY-----\n";
const withMac = (release?: string) => (raw: Record<string, any>) => {
  raw.mac = { ssh: { host: "mac-mini.example.internal", user: "openclaw", privateKey: KEY, hostKey: HOST_KEY }, release: release ?? raw.image.release };
};

describe("index.ts with a Mac", () => {
  // The program packs the release on this machine with the user's npm (cached per lockfile).
  beforeAll(() => {
    const release = loadReleaseRecord("2026.9.6");
    packRelease(release, `2026.9.6-${release.lockSha256.slice(0, 12)}`);
  }, 900_000);

  it("creates the Mac node only when mac is set, on the cluster's release, with the cluster token on stdin", async () => {
    const without = await runProgram("staging");
    expect(without.byType("openclaw:mac:Node")).toEqual([]);
    expect(without.outputs.mac).toBeNull();

    const run = await runProgram("staging", withMac(), { extraSecrets: ["mac"] });
    expect(run.byType("openclaw:mac:Node")).toHaveLength(1);
    expect(run.byType("command:remote:Command").map((r) => r.name).sort()).toEqual(["openclaw-mac-install", "openclaw-mac-prepare", "openclaw-mac-uninstall"]);
    expect(run.byType("command:remote:CopyToRemote").map((r) => r.name).sort()).toEqual(["openclaw-mac-bundle", "openclaw-mac-pack"]);
    const install = run.byType("command:remote:Command").find((r) => r.name === "openclaw-mac-install")!;
    expect(install.inputs.stdin.split("\n")[0]).toBe(TEST_TOKEN);
    expect(install.secretPaths).toContain("stdin");
    const mac = await new Promise<Record<string, unknown>>((r) => pulumi.output(run.outputs.mac as object).apply((v) => (r(v as Record<string, unknown>), v)));
    expect(mac.release).toBe(((run.outputs.image as Record<string, unknown>).release));
    expect(mac).toMatchObject({ bind: "loopback", label: "ai.openclaw.gateway", mode: "native", releaseIntegrity: expect.stringMatching(/^sha512-/) });
    expect(JSON.stringify(mac)).not.toContain("PRIVATE-KEY-MATERIAL");
    expect(JSON.stringify(mac)).not.toContain(TEST_TOKEN);
  });

  it("refuses a Mac on another release than the cluster image before registering anything", async () => {
    const err = await runProgramExpectingError("staging", withMac("2026.9.5"), { extraSecrets: ["mac"] });
    expect(err.message).toMatch(/mac\.release.*"2026\.9\.5" differs from the cluster's image\.release/);
    expect(err.resources.filter((r) => r.type.startsWith("command:"))).toEqual([]);
  });
});
