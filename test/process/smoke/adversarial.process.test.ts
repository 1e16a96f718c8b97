// The smoke CLI (`npm run smoke -- --url ...`), the bundled Job script and the
// evidence record against misbehaving servers on 127.0.0.1: a server that echoes
// the Authorization header in every encoding, endless and 1 GB bodies, a slow
// 503, a catch-all HTML page, ANSI and forged lines in /startupz's version,
// redirects, TLS errors, 401. Each asserts the verdict a person can act on, that
// hopeless cases stop at once, and that no fragment of 8+ characters of the
// token appears anywhere: stdout, stderr, the termination message, the record
// kept in state, the error that fails `pulumi up`.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttps } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { comparePaths } from "../../../components/smoke/agreement";
import { redact } from "../../../components/smoke/redact";
import { runChecks, type Evidence } from "../../../components/smoke/checks";
import { terminationMessage } from "../../../components/smoke/job";
import { smokeFailureMessage, smokeRecord } from "../../../components/smoke/record";
import { node24 } from "../../support/gateway";
import { leakedFragment } from "../../support/leak";
import { byName, runJobScript, stagingTarget } from "../../support/smoke";

const ROOT = resolve(__dirname, "../../..");
/** A realistic token: 64 hex characters (what `openssl rand -hex 32` prints). */
const TOKEN = "9f3c2a7be41d4c06a8d5f1e2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6";

function expectNoLeak(text: string, secret = TOKEN): void {
  const f = leakedFragment(text, secret);
  expect(f, `secret fragment "${f}" leaked in: ${text.slice(0, 2000)}`).toBeUndefined();
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Srv {
  url: string;
  close(): Promise<void>;
}

async function listen(server: Server, scheme: "http" | "https"): Promise<Srv> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...extra });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

/** Answers like a healthy gateway on every path except the ones `override` takes. */
function gatewayLike(override: (path: string, req: IncomingMessage, res: ServerResponse) => boolean): Handler {
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (override(path, req, res)) return;
    if (path === "/startupz") return json(res, 200, { ok: true, status: "started", version: "2026.9.6" });
    if (path === "/healthz") return json(res, 200, { ok: true, status: "live" });
    if (path === "/readyz") return json(res, 200, { ready: true });
    if (path === "/tools/invoke" && req.method === "POST") {
      return req.headers.authorization === `Bearer ${TOKEN}` ? json(res, 200, { ok: true, result: [] }) : json(res, 401, { error: "unauthorized" });
    }
    json(res, 404, { error: "not found" });
  };
}

/** Every way a careless server repeats the Authorization header back. */
const auth = (req: IncomingMessage) => String(req.headers.authorization ?? "");
const ECHOES: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  // JSON, then the judge cuts the body at 160 characters: the token straddles the cut.
  "json straddling the cut": (req, res) => json(res, 200, { ok: false, pad: "x".repeat(120), echo: auth(req) }),
  "every character \\u-escaped": (req, res) =>
    json(res, 500, `{"ok":false,"echo":"${[...auth(req)].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}"`),
  "percent-encoded, not JSON": (req, res) => {
    res.writeHead(500, { "content-type": "text/plain" });
    res.end(`denied for ${[...auth(req)].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join("")}`);
  },
  "plain text cut at 80": (req, res) => {
    res.writeHead(500, { "content-type": "text/plain" });
    res.end(`${"y".repeat(50)} ${auth(req)}`);
  },
  "HTML character references": (req, res) => {
    res.writeHead(500, { "content-type": "text/plain" });
    res.end(`<p>${[...auth(req)].map((c) => `&#${c.charCodeAt(0)};`).join("")}</p>`);
  },
  "base64 in JSON": (req, res) => json(res, 200, { ok: false, b64: Buffer.from(auth(req)).toString("base64") }),
  "uppercased, mixed with escapes": (req, res) =>
    json(res, 200, `{"ok":false,"e":"${auth(req).toUpperCase().slice(0, 30)}\\u00${auth(req).toUpperCase().charCodeAt(30).toString(16)}${auth(req).toUpperCase().slice(31)}"}`),
};

function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((r) => {
    const child = spawn(node24(), [join(ROOT, "node_modules/ts-node/dist/bin.js"), "--transpile-only", join(ROOT, "scripts/cli/smoke.ts"), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "/usr/bin", HOME: process.env.HOME ?? "/root", OPENCLAW_GATEWAY_TOKEN: TOKEN, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      r({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

const servers: Srv[] = [];
async function serve(h: Handler): Promise<string> {
  const s = await listen(createHttp(h), "http");
  servers.push(s);
  return s.url;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const target = stagingTarget({ budgetMs: 2000, runId: "adversarial" });

describe("a server that echoes the Authorization header never gets the token into evidence", () => {
  for (const [name, echo] of Object.entries(ECHOES)) {
    it(`${name}: CLI output, Job termination message, state record and the pulumi up error`, async () => {
      const url = await serve(gatewayLike((path, req, res) => (path === "/tools/invoke" ? (echo(req, res), true) : false)));
      const [cli, job] = await Promise.all([
        runCli(["--url", url, "--budget-seconds", "1"]),
        runJobScript({ baseUrl: url, token: TOKEN, budgetMs: 1000, pathName: "inCluster" }),
      ]);
      expect(cli.code, cli.stderr).toBe(1);
      expect(byName(JSON.parse(cli.stdout)).toolCall.ok).toBe(false);
      expectNoLeak(cli.stdout + cli.stderr);
      expect(job.code).toBe(1);
      expectNoLeak(job.stdout + job.stderr + job.terminationMessage);
      expect(Buffer.byteLength(job.terminationMessage)).toBeLessThanOrEqual(4096);
      // The record kept in state and the message that fails `pulumi up`, from this evidence.
      const passing = await runChecks({ baseUrl: await serve(gatewayLike(() => false)), token: TOKEN, budgetMs: 2000, pathName: "portForward" });
      const run = { portForward: passing, inCluster: job.evidence, agreement: comparePaths(passing, job.evidence) };
      const record = smokeRecord(target, run, "v".repeat(64), TOKEN);
      expectNoLeak(JSON.stringify(record));
      expectNoLeak(smokeFailureMessage(record, TOKEN));
    });
  }
});

describe("verdicts a person can act on", () => {
  it("a 503 ready:false that answers slowly is 'not-ready', and the comparison does not blame a NetworkPolicy", async () => {
    const url = await serve(
      gatewayLike((path, _req, res) => {
        if (path !== "/readyz") return false;
        setTimeout(() => json(res, 503, { ready: false, failing: ["channels"] }), 700);
        return true;
      }),
    );
    const cli = await runCli(["--url", url, "--budget-seconds", "2", "--path-name", "inCluster"]);
    expect(cli.code).toBe(1);
    const ev = JSON.parse(cli.stdout) as Evidence;
    const ready = byName(ev).readiness;
    expect(ready.failure).toBe("not-ready");
    expect(ready.status).toBe(503);
    expect(ready.reason).toMatch(/not ready \(HTTP 503, failing: \["channels"\]\)/);
    expect(cli.stderr).not.toMatch(/NetworkPolicy/);
    const inPod = await runChecks({ baseUrl: await serve(gatewayLike(() => false)), token: TOKEN, budgetMs: 2000, pathName: "portForward" });
    const a = comparePaths(inPod, ev);
    expect(a.diagnosis.map((d) => d.cause)).not.toContain("network-policy-drops-source");
    expect(a.diagnosis.map((d) => d.cause)).toContain("readiness-routes-not-mounted");
  });

  it("an endless body stops at the size cap, is reported as such and does not retry", async () => {
    const url = await serve(
      gatewayLike((path, _req, res) => {
        if (path !== "/healthz") return false;
        res.writeHead(200, { "content-type": "application/json" });
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        const pump = () => {
          while (res.write(chunk)) {
            if (res.destroyed) return;
          }
          res.once("drain", pump);
        };
        res.on("close", () => res.removeAllListeners("drain"));
        pump();
        return true;
      }),
    );
    const cli = await runCli(["--url", url, "--budget-seconds", "20"]);
    const c = byName(JSON.parse(cli.stdout)).liveness;
    expect(c.failure).toBe("body-too-large");
    expect(c.attempts).toBe(1);
    expect(c.reason).toMatch(/over 1048576 bytes \(stopped reading\)/);
    expect(cli.ms).toBeLessThan(15_000);
    expect(cli.stderr).not.toMatch(/NetworkPolicy/);
  });

  it("a 1 GB Content-Length is not believed nor read", async () => {
    const url = await serve(
      gatewayLike((path, _req, res) => {
        if (path !== "/startupz") return false;
        res.writeHead(200, { "content-type": "application/json", "content-length": String(2 ** 30) });
        const chunk = Buffer.alloc(256 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < 2 ** 30 && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
        };
        pump();
        return true;
      }),
    );
    const cli = await runCli(["--url", url, "--budget-seconds", "20"]);
    const c = byName(JSON.parse(cli.stdout)).startup;
    expect(c.failure).toBe("body-too-large");
    expect(cli.ms).toBeLessThan(15_000);
  });

  it("a body that trickles forever is a body timeout with its HTTP status, not a dropped packet", async () => {
    const url = await serve(
      gatewayLike((path, _req, res) => {
        if (path !== "/healthz") return false;
        res.writeHead(200, { "content-type": "application/json" });
        res.write("{");
        const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(" ")), 100);
        return true;
      }),
    );
    const ev = await runChecks({ baseUrl: url, token: TOKEN, budgetMs: 1500, pathName: "cli" });
    const c = byName(ev).liveness;
    expect(c.failure).toBe("body-timeout");
    expect(c.status).toBe(200);
    const a = comparePaths(await runChecks({ baseUrl: await serve(gatewayLike(() => false)), token: TOKEN, budgetMs: 1000, pathName: "portForward" }), ev);
    expect(a.diagnosis.map((d) => d.cause)).not.toContain("network-policy-drops-source");
  });

  it("an HTML 200 is the catch-all page", async () => {
    const url = await serve(
      gatewayLike((path, _req, res) => {
        if (path !== "/readyz") return false;
        res.writeHead(200, { "content-type": "text/html" });
        res.end("<!doctype html><title>OpenClaw</title>");
        return true;
      }),
    );
    const ev = await runChecks({ baseUrl: url, token: TOKEN, budgetMs: 800, pathName: "cli" });
    expect(byName(ev).readiness.failure).toBe("catch-all-html");
  });

  it("ANSI, forged lines and 50 MB in /startupz's version never reach the terminal or the evidence raw", async () => {
    const evil = "\u001b[2J\u001b[31mPWNED\u001b[0m\nstartup   GET /startupz     ok HTTP 200 1 ms (forged)\r\u202e" + "V".repeat(50_000);
    const url = await serve(
      gatewayLike((path, _req, res) => {
        if (path !== "/startupz") return false;
        json(res, 200, { ok: true, status: "started", version: evil });
        return true;
      }),
    );
    const cli = await runCli(["--url", url, "--budget-seconds", "3"]);
    expect(cli.code).toBe(0);
    for (const out of [cli.stdout, cli.stderr]) {
      expect(out).not.toMatch(/[\u001b\r\u202e]/);
      expect(out).not.toMatch(/\n\s*startup\s+GET \/startupz\s+ok HTTP 200 1 ms \(forged\)/);
    }
    const ev = JSON.parse(cli.stdout) as Evidence;
    expect(ev.gatewayVersion!.length).toBeLessThanOrEqual(64);
    expect(cli.stdout.length).toBeLessThan(10_000);
    // One summary line per check plus the header: nothing forged in between.
    expect(cli.stderr.trim().split("\n")).toHaveLength(5);
  });

  it("a redirect fails at once and names where it pointed", async () => {
    const url = await serve((req, res) => {
      res.writeHead(302, { location: "https://login.example.invalid/sso" });
      res.end();
    });
    const cli = await runCli(["--url", url, "--budget-seconds", "20"]);
    const ev = JSON.parse(cli.stdout) as Evidence;
    for (const c of ev.checks) {
      expect(c.failure).toBe("redirect");
      expect(c.attempts).toBe(1);
    }
    expect(byName(ev).startup.reason).toMatch(/login\.example\.invalid/);
    expect(cli.ms).toBeLessThan(15_000);
  });

  it("401 on every path fails at once (auth), not after the whole budget", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(401, { "content-type": "text/html" });
      res.end("<html>login</html>");
    });
    const cli = await runCli(["--url", url, "--budget-seconds", "30"]);
    const ev = JSON.parse(cli.stdout) as Evidence;
    for (const c of ev.checks) {
      expect(c.failure).toBe("auth");
      expect(c.attempts).toBe(1);
    }
    expect(cli.ms).toBeLessThan(20_000);
  });

  it("https to a plain-HTTP port and a self-signed certificate are TLS errors, not retried", async () => {
    const plain = await serve(gatewayLike(() => false));
    const dir = mkdtempSync(join(tmpdir(), "smoke-tls-"));
    try {
      const gen = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem")], { encoding: "utf8" });
      expect(gen.status, gen.stderr).toBe(0);
      const tls = await listen(createHttps({ key: readFileSync(join(dir, "k.pem")), cert: readFileSync(join(dir, "c.pem")) }, gatewayLike(() => false)), "https");
      servers.push(tls);
      for (const url of [plain.replace("http:", "https:"), tls.url]) {
        const started = performance.now();
        const ev = await runChecks({ baseUrl: url, token: TOKEN, budgetMs: 20_000, pathName: "cli" });
        expect(performance.now() - started).toBeLessThan(10_000);
        for (const c of ev.checks) {
          expect(c.failure, `${url}: ${c.reason}`).toBe("tls");
          expect(c.attempts).toBe(1);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("bad input to the CLI is refused before any request, without echoing secrets", () => {
  it("a URL with user:password@ is refused and the password never printed", async () => {
    const password = "Sup3rSecretPassw0rd-zz";
    const cli = await runCli(["--url", `http://admin:${password}@127.0.0.1:9/`]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/user info/);
    expectNoLeak(cli.stdout + cli.stderr, password);
  });

  it("a URL with a query or fragment is refused (every check would hit the same URL)", async () => {
    for (const url of ["http://127.0.0.1:9/?x=1", "http://127.0.0.1:9/#frag", "http://127.0.0.1:9/?"]) {
      const cli = await runCli(["--url", url]);
      expect(cli.code, url).toBe(2);
      expect(cli.stderr).toMatch(/query or fragment/);
    }
  });

  it("a base path is kept and the evidence names exactly what was requested", async () => {
    const seen: string[] = [];
    const healthy = gatewayLike(() => false);
    const url = await serve((req, res) => {
      seen.push(req.url ?? "");
      if (!(req.url ?? "").startsWith("/gw/")) return json(res, 404, {});
      req.url = (req.url ?? "").slice(3);
      healthy(req, res);
    });
    const ev = await runChecks({ baseUrl: `${url}/gw/`, token: TOKEN, budgetMs: 2000, pathName: "cli" });
    expect(ev.ok, JSON.stringify(ev)).toBe(true);
    expect(ev.url).toBe(`${url}/gw`);
    expect(new Set(seen)).toEqual(new Set(["/gw/startupz", "/gw/healthz", "/gw/readyz", "/gw/tools/invoke"]));
  });

  const badTokens: Record<string, string> = {
    "with a newline": `${TOKEN.slice(0, 32)}\n${TOKEN.slice(32)}`,
    // (A NUL cannot travel through an environment variable; the shared rule refuses it: test/unit/config/config.unit.test.ts.)
    "with an escape character": `${TOKEN.slice(0, 40)}\u001b${TOKEN.slice(40)}`,
    "with a space": `${TOKEN.slice(0, 40)} ${TOKEN.slice(40)}`,
    "non-ASCII": `${TOKEN.slice(0, 40)}é${TOKEN.slice(40)}`,
    "a quote": `${TOKEN.slice(0, 40)}"${TOKEN.slice(40)}`,
    "too short": TOKEN.slice(0, 20),
    "low entropy": "ab".repeat(20),
  };
  for (const [name, bad] of Object.entries(badTokens)) {
    it(`a token ${name} is refused (exit 2) and not echoed`, async () => {
      const cli = await runCli(["--url", "http://127.0.0.1:9"], { OPENCLAW_GATEWAY_TOKEN: bad });
      expect(cli.code).toBe(2);
      expect(cli.stderr).toMatch(/the token in OPENCLAW_GATEWAY_TOKEN/);
      if (bad.length >= 8) expectNoLeak(cli.stdout + cli.stderr, bad);
    });
  }

  it("a token pasted as a stray argument is not echoed", async () => {
    const cli = await runCli(["--url", "http://127.0.0.1:9", TOKEN]);
    expect(cli.code).toBe(2);
    expectNoLeak(cli.stdout + cli.stderr);
  });

  it("--help exits 0 with the usage", async () => {
    const cli = await runCli(["--help"]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/usage: npm run smoke/);
  });
});

describe("redaction itself", () => {
  it("removes every 8-character fragment, in every encoding, before any cut", () => {
    const cases = [
      `a ${TOKEN} b`,
      `cut: ${TOKEN.slice(0, 9)}`,
      JSON.stringify({ e: TOKEN }),
      [...TOKEN].map((c) => `\\u00${c.charCodeAt(0).toString(16)}`).join(""),
      encodeURIComponent(`Bearer ${TOKEN}`).replace(/[0-9a-f]/g, (c) => `%${c.charCodeAt(0).toString(16)}`),
      Buffer.from(`Bearer ${TOKEN}`).toString("base64"),
      TOKEN.toUpperCase(),
    ];
    for (const c of cases) expectNoLeak(redact(c, [TOKEN]));
    expect(redact("nothing secret here", [TOKEN])).toBe("nothing secret here");
  });

  it("the termination message always fits the kubelet's 4096 bytes", async () => {
    const url = await serve((_req, res) => json(res, 500, { err: "z".repeat(5000) }));
    const ev = await runChecks({ baseUrl: url, token: TOKEN, budgetMs: 300, pathName: "inCluster" });
    const msg = terminationMessage(ev, [TOKEN]);
    expect(Buffer.byteLength(msg)).toBeLessThanOrEqual(4096);
    expect(JSON.parse(msg).checks).toHaveLength(4);
  });
});

beforeAll(() => {
  // ts-node must be where runCli looks for it.
  expect(readFileSync(join(ROOT, "node_modules/ts-node/package.json"), "utf8")).toMatch(/"version"/);
});
