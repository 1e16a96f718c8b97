// `npm run ticket` on the outputs of a real program run (under mocks), as a
// child process like users run it.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runProgram, TEST_TOKEN } from "../../support/program";

let dir: string;
let outputsFile: string;
let outputs: Record<string, any>;

function ticket(...args: string[]) {
  // `npm run ticket`'s command: the compiled tool, rebuilt by scripts/cli/run.js when a source changed.
  return spawnSync(process.execPath, [path.join(ROOT, "scripts/cli/run.js"), "ticket", ...args], {
    cwd: dir,
    encoding: "utf8",
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ticket-"));
  outputs = (await runProgram("prod")).outputs;
  outputsFile = path.join(dir, "outputs.json");
  fs.writeFileSync(outputsFile, JSON.stringify(outputs));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("npm run ticket", () => {
  it("writes Markdown and JSON naming digest, build id, program version, values hash and rollback", () => {
    const r = ticket("--stack", "prod", "--outputs", outputsFile, "--out-dir", "out");
    expect(r.stderr).toMatch(/wrote out\/prod-.*\.md and out\/prod-.*\.json/);
    expect(r.status).toBe(0);
    const files = fs.readdirSync(path.join(dir, "out")).sort();
    expect(files).toHaveLength(2);
    const md = fs.readFileSync(path.join(dir, "out", files.find((f) => f.endsWith(".md"))!), "utf8");
    const t = outputs.changeTicket;
    expect(md).toContain(`| digest | \`${t.image.digest}\` |`);
    expect(md).toContain("| build id | eb377ac |");
    expect(md).toContain(`${t.program.version} @ \`${t.program.commit}\``);
    expect(md).toContain(`| values hash | \`${t.valuesHash}\` |`);
    expect(md).toContain("kubectl --namespace openclaw rollout undo deployment/openclaw-gateway");
    expect(md).toContain(`pulumi config set --stack prod --path image.ref '${t.rollback.target.image}'`);
    expect(md).toContain("| config port = containerPort = Service targetPort | 18789 = gateway/18789 = gateway |");
    expect(md).toContain("10.30.0.0/16");
    expect(md).toContain('kube_pod_container_status_last_terminated_reason{namespace="openclaw", pod=~"openclaw-gateway-.*", reason="OOMKilled"}');
    expect(md).toContain(`/ ${1392 * 2 ** 20}`);
    expect(md).not.toContain(TEST_TOKEN);
    const json = JSON.parse(fs.readFileSync(path.join(dir, "out", files.find((f) => f.endsWith(".json"))!), "utf8"));
    expect(json.valuesHash).toBe(t.valuesHash);
    expect(json.image.digest).toBe(t.image.digest);
    expect(r.stdout).toBe(`${md}\n`);
  });

  it("refuses outputs without a change ticket, malformed JSON and a missing --stack, with a clear message", () => {
    fs.writeFileSync(path.join(dir, "empty.json"), "{}");
    fs.writeFileSync(path.join(dir, "bad.json"), "{not json");
    const none = ticket("--stack", "prod", "--outputs", "empty.json");
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/no changeTicket: run `pulumi up` for this stack first/);
    const bad = ticket("--stack", "prod", "--outputs", "bad.json");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/bad.json: not JSON/);
    const noStack = ticket("--outputs", outputsFile);
    expect(noStack.status).toBe(2);
    expect(noStack.stderr).toMatch(/--stack is required/);
    for (const r of [none, bad, noStack]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("renders the smoke evidence and the Mac contrast table when the stack has them", () => {
    const withEvidence = structuredClone(outputs);
    withEvidence.changeTicket.smoke = { status: "signed-off", evidence: { verdict: "signed-off", portForward: { passed: true }, inCluster: { passed: true } } };
    withEvidence.changeTicket.macContrast = { signedOff: true, markdown: "| signal | Kubernetes | Mac |\n|---|---|---|\n| /startupz version | 2026.9.6 | 2026.9.6 |" };
    fs.writeFileSync(path.join(dir, "evidence.json"), JSON.stringify(withEvidence));
    const r = ticket("--stack", "prod", "--outputs", "evidence.json", "--out-dir", "ev");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Status: **signed-off**");
    expect(r.stdout).toContain('"verdict": "signed-off"');
    expect(r.stdout).toContain("### Bare-metal contrast: the same release on the Mac (runbook §4.7)\n| signal | Kubernetes | Mac |");
    const none = ticket("--stack", "prod", "--outputs", outputsFile, "--out-dir", "none");
    expect(none.stdout).not.toContain("Bare-metal contrast");
  });

  it("git sees the commit the ticket names", () => {
    const head = execFileSync("git", ["-C", ROOT, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    expect(outputs.changeTicket.program.commit).toBe(head);
  });
});
