// The in-pod probe the program emits for bind=loopback, run for real against the
// real gateway on 127.0.0.1, against a catch-all HTML server, and against a closed port.
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loopbackProbeCommand, PROBE_BODY_CHECK } from "../../components/manifests";
import { freeLoopbackPort, node24, startGateway, type RunningGateway } from "../support/gateway";

const paths = Object.keys(PROBE_BODY_CHECK) as (keyof typeof PROBE_BODY_CHECK)[];
const probe = (port: number, path: keyof typeof PROBE_BODY_CHECK) => {
  const [cmd, ...args] = loopbackProbeCommand(port, path);
  expect(cmd).toBe("node");
  return spawnSync(node24(), args, { timeout: 10_000 }).status;
};

let gw: RunningGateway;
let html: Server;
let htmlPort: number;
beforeAll(async () => {
  gw = await startGateway({ bind: "loopback" });
  htmlPort = await freeLoopbackPort();
  // Like the Control UI catch-all: 200 and an HTML page on every path.
  html = createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>OpenClaw</title>"));
  await new Promise<void>((r) => html.listen(htmlPort, "127.0.0.1", r));
  await gw.waitReady(120_000);
}, 180_000);
afterAll(async () => {
  await gw?.stop();
  await new Promise((r) => html?.close(r));
});

describe("loopback in-pod probes", () => {
  it.each(paths)("%s passes against the real ready gateway", (path) => {
    expect(probe(gw.port, path)).toBe(0);
  });
  it.each(paths)("%s fails against a 200 HTML catch-all", (path) => {
    expect(probe(htmlPort, path)).toBe(1);
  });
  it("fails fast on a closed port", async () => {
    const closed = await freeLoopbackPort();
    const started = Date.now();
    expect(probe(closed, "/readyz")).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
