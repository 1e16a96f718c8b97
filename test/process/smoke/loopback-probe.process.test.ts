// The in-pod probe the program emits for bind=loopback, run for real against the
// real gateway on 127.0.0.1, against a catch-all HTML server, and against a closed port.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loopbackProbeCommand } from "../../../components/manifests";
import { HEALTH } from "../../../policy-pack/rules/names";
import { freeLoopbackPort, node24, startGateway, type RunningGateway } from "../../support/gateway";
import { createNetns, type Netns } from "../../support/netns";

const paths = Object.keys(HEALTH) as (keyof typeof HEALTH)[];
/** Runs the probe command as the kubelet's exec would: inside the pod's network namespace when given. */
// Asynchronous on purpose: the catch-all server lives in this process and must keep answering.
const probe = (port: number, path: keyof typeof HEALTH, netns?: Netns): Promise<{ code: number | null }> => {
  const [cmd, ...args] = loopbackProbeCommand(port, path);
  expect(cmd).toBe("node");
  const argv = [...(netns?.execPrefix ?? []), node24(), ...args];
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: "ignore", timeout: 10_000 });
    child.on("exit", (code) => resolve({ code }));
  });
};

let ns: Netns;
let gw: RunningGateway;
let html: Server;
let htmlPort: number;
let served = 0;
beforeAll(async () => {
  // The gateway runs in a namespace of the test's own (it resolves a catalog host at start; no traffic leaves).
  ns = createNetns("lp");
  gw = await startGateway({ bind: "loopback", netns: ns });
  htmlPort = await freeLoopbackPort();
  // Like the Control UI catch-all: 200 and an HTML page on every path.
  html = createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>OpenClaw</title>", () => served++));
  await new Promise<void>((r) => html.listen(htmlPort, "127.0.0.1", r));
  await gw.waitReady(120_000);
}, 180_000);
afterAll(async () => {
  await gw?.stop();
  ns?.destroy();
  await new Promise((r) => html?.close(r));
});

describe("loopback in-pod probes", () => {
  it.each(paths)("%s passes against the real ready gateway", async (path) => {
    expect((await probe(gw.port, path, ns)).code).toBe(0);
  });
  it.each(paths)("%s fails against a 200 HTML catch-all, on the body and not by timing out", async (path) => {
    const before = served;
    const r = await probe(htmlPort, path);
    expect(r.code).toBe(1);
    // The page was delivered in full before the probe gave its verdict: it failed on the body.
    expect(served).toBe(before + 1);
  });
  it("fails fast on a closed port", async () => {
    const closed = await freeLoopbackPort();
    const r = await probe(closed, "readiness");
    expect(r.code).toBe(1);
  });
});
