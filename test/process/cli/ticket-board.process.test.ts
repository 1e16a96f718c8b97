// What a change-approval board reads in `npm run ticket`: window, requester and
// approver (validated), the engine's change list and policy verdict from what
// `npm run deploy` recorded (never claimed without a record, never taken from
// another update), the working-tree flag, and no instruction the stack cannot run.
// Outputs and records in test/fixtures/engine/records are real: `npm run deploy --
// --stack local [--preview]` and `pulumi stack output --json` on the real engine.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runProgram } from "../../support/program";

const RECORDS = path.join(ROOT, "test/fixtures/engine/records");
let dir: string;
let prodOutputs: string;

function ticket(...args: string[]) {
  return spawnSync(process.execPath, [path.join(ROOT, "node_modules/ts-node/dist/bin.js"), "--transpile-only", path.join(ROOT, "scripts/cli/ticket.ts"), ...args], {
    cwd: dir,
    encoding: "utf8",
  });
}
const local = (...args: string[]) => ticket("--stack", "local", "--outputs", path.join(RECORDS, "local-outputs.json"), "--out-dir", "out", ...args);

/** A copy of the recorded engine dir, changed by `edit`. */
function records(name: string, edit: (d: string) => void = () => {}): string {
  const d = path.join(dir, name);
  fs.cpSync(RECORDS, d, { recursive: true });
  edit(d);
  return d;
}
const editJson = (file: string, f: (j: any) => void) => {
  const j = JSON.parse(fs.readFileSync(file, "utf8"));
  f(j);
  fs.writeFileSync(file, JSON.stringify(j));
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ticket-board-"));
  prodOutputs = path.join(dir, "prod-outputs.json");
  fs.writeFileSync(prodOutputs, JSON.stringify((await runProgram("prod")).outputs));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("npm run ticket: the board's fields", () => {
  it("window, requester and approver appear as given; absent ones say which flag fills them", () => {
    const r = local("--engine-dir", RECORDS, "--window-start", "2026-11-28T22:00:00Z", "--window-end", "2026-11-28T23:30:00+01:00", "--requester", "Dana <dana@example.com>");
    expect(r.stderr).toMatch(/^wrote out\/local-/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("| change window | 2026-11-28T22:00:00Z → 2026-11-28T23:30:00+01:00 (30 min) |");
    expect(r.stdout).toContain("| requester | Dana <dana@example.com> |");
    expect(r.stdout).toContain("| approver | not given (--approver <name>) |");
    const json = JSON.parse(fs.readFileSync(path.join(dir, "out", fs.readdirSync(path.join(dir, "out")).find((f) => f.endsWith(".json"))!), "utf8"));
    expect(json.approval).toEqual({ requester: "Dana <dana@example.com>", approver: null, window: { start: "2026-11-28T22:00:00Z", end: "2026-11-28T23:30:00+01:00" } });
  });

  it.each([
    [["--window-start", "2026-11-28 22:00"], /--window-end is missing: a change window needs both/],
    [["--window-start", "2026-11-28 22:00", "--window-end", "2026-11-28T23:00:00Z"], /--window-start "2026-11-28 22:00" is not an ISO-8601 date and time with a time zone, e\.g\. 2026-11-28T22:00:00Z/],
    [["--window-start", "2026-11-28T22:00:00", "--window-end", "2026-11-28T23:00:00"], /--window-start "2026-11-28T22:00:00" is not an ISO-8601 date and time with a time zone/],
    [["--window-start", "2026-02-30T22:00:00Z", "--window-end", "2026-03-01T23:00:00Z"], /--window-start "2026-02-30T22:00:00Z" names a day that does not exist \(2026-02-30\)/],
    [["--window-start", "2026-11-28T23:00:00Z", "--window-end", "2026-11-28T23:30:00+01:00"], /--window-end 2026-11-28T23:30:00\+01:00 is not after --window-start 2026-11-28T23:00:00Z/],
    [["--requester", "  "], /--requester is blank; give a name or an e-mail address/],
    [["--approver", "Eve\u202eevil"], /--approver contains control characters/],
  ])("refuses %j with exit 2, naming the flag and the right form, and writes nothing", (args, says) => {
    const r = local(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(says);
    expect(r.stdout).toBe("");
    expect(fs.existsSync(path.join(dir, "out-none"))).toBe(false);
  });
});

describe("npm run ticket: the engine's change list and policy verdict", () => {
  it("from the recorded update that produced these outputs: pack, config, verdict, each change with its replace reason", () => {
    const r = local("--engine-dir", RECORDS);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("### Changes made and policy verdict: the `pulumi up` behind these outputs");
    expect(r.stdout).toContain("| command | `pulumi up --yes --non-interactive --stack local --policy-pack policy-pack` |");
    expect(r.stdout).toContain("| policy pack | openclaw-gateway 0.1.0 |");
    expect(r.stdout).toContain("| policy pack config | none: the pack's defaults |");
    expect(r.stdout).toContain("| policy verdict | passed: 0 violations (16 policies reported nothing) |");
    expect(r.stdout).toContain("| resource changes | replace 1, update 1 (9 unchanged) |");
    expect(r.stdout).toContain("| replace | openclaw-gateway-state | kubernetes:core/v1:PersistentVolumeClaim | replaced because of spec.storageClassName |");
    expect(r.stdout).toMatch(/\| update \| openclaw-gateway-deployment \| kubernetes:apps\/v1:Deployment \| changed: .*startupProbe\.failureThreshold \|/);
    // The preview was recorded before that update: it is history, not a plan.
    expect(r.stdout).not.toContain("not applied yet");
  });

  it("without a record it claims neither a verdict nor changes, and says which command records them", () => {
    const r = local("--engine-dir", path.join(dir, "no-records"));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      "_Not recorded: the engine's change list and the policy pack's verdict exist only for an update run with `npm run deploy -- --stack local`, which records them; this ticket claims neither._",
    );
    expect(r.stdout).not.toMatch(/\| policy verdict \||passed: 0 violations/);
  });

  it("an update record of other outputs (another config) is not this deployment's evidence", () => {
    const changed = path.join(dir, "changed-outputs.json");
    const o = JSON.parse(fs.readFileSync(path.join(RECORDS, "local-outputs.json"), "utf8"));
    o.changeTicket.valuesHash = "0".repeat(64);
    fs.writeFileSync(changed, JSON.stringify(o));
    const r = ticket("--stack", "local", "--outputs", changed, "--out-dir", "out", "--engine-dir", RECORDS);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/_Not recorded \(the recorded update of 2026-11-27T\S+ is not the one behind these outputs: it produced values hash b9f80b5e\w+, this stack's outputs have 0{64}\)/);
    expect(r.stdout).not.toContain("| policy verdict |");
  });

  it("a preview recorded after the update is shown as planned, not applied; with violations it lists each one", () => {
    const d = records("planned", (d) => {
      fs.copyFileSync(path.join(ROOT, "test/fixtures/engine/local-preview-violations.events.jsonl"), path.join(d, "local.preview.events.jsonl"));
      editJson(path.join(d, "local.preview.json"), (j) => {
        j.finishedAt = "2026-11-27T07:00:00.000Z";
        j.exitCode = 255;
        j.policyPack = { path: "policy-pack", config: "policy-pack/config/prod.json", configSha256: "ab".repeat(32) };
      });
    });
    const r = local("--engine-dir", d);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("### Planned changes and policy verdict: `pulumi preview`, not applied yet");
    expect(r.stdout).toContain(`| policy pack config | policy-pack/config/prod.json (sha256 ${"ab".repeat(32)}) |`);
    expect(r.stdout).toContain("| policy verdict | failed: 1 mandatory, 1 advisory violations |");
    expect(r.stdout).toMatch(/\| mandatory \| memory-headroom \| openclaw-gateway-deployment \| Deployment\/openclaw-local\/openclaw-gateway: container "gateway": limits\.memory 1317Mi is only 30% above/);
    expect(r.stdout).toMatch(/\| advisory \| resources-declared \| openclaw-gateway-deployment \| .*resources\.limits\.cpu is not set/);
    // The update behind the outputs is still reported beside the plan.
    expect(r.stdout).toContain("### Changes made and policy verdict: the `pulumi up` behind these outputs");
  });

  it("a record whose event log is gone or corrupt is an error naming the file, not a silently smaller ticket", () => {
    const gone = records("gone", (d) => fs.rmSync(path.join(d, "local.update.events.jsonl")));
    const r = local("--engine-dir", gone);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/local\.update\.json names the event log .*local\.update\.events\.jsonl, which cannot be read/);
    const bad = records("bad", (d) => fs.writeFileSync(path.join(d, "local.update.events.jsonl"), "{}\nnot json\n{}\n"));
    expect(local("--engine-dir", bad).stderr).toMatch(/local\.update\.events\.jsonl: line 2 is not a JSON engine event/);
    const escape = records("escape", (d) => editJson(path.join(d, "local.update.json"), (j) => (j.events = "../../etc/passwd")));
    expect(local("--engine-dir", escape).stderr).toMatch(/not a update record of stack local/);
  });
});

describe("npm run ticket: working tree and instructions that fit the stack", () => {
  it("the working tree state is in the Markdown, clean or dirty", () => {
    const r = local("--engine-dir", RECORDS);
    expect(r.stdout).toContain("| working tree at deploy | **dirty**: uncommitted changes when the program ran; the commit above does not fully identify what was deployed |");
    const clean = path.join(dir, "clean.json");
    const o = JSON.parse(fs.readFileSync(path.join(RECORDS, "local-outputs.json"), "utf8"));
    o.changeTicket.program.dirty = false;
    fs.writeFileSync(clean, JSON.stringify(o));
    expect(ticket("--stack", "local", "--outputs", clean, "--out-dir", "out").stdout).toContain("| working tree at deploy | clean: the commit above is exactly what ran |");
  });

  it("a render-only stack is told nothing it cannot run: no smoke, no kubectl, no dashboards", () => {
    const r = local("--engine-dir", RECORDS);
    expect(r.stdout).not.toMatch(/npm run smoke|kubectl|rollout undo|PromQL|### Observe/);
    expect(r.stdout).toContain("Render-only stack: nothing is deployed, so there is no emergency path and no smoke check");
  });

  it("a deploying stack keeps the emergency path, the smoke re-run and the observe queries", () => {
    const r = ticket("--stack", "prod", "--outputs", prodOutputs, "--out-dir", "out", "--engine-dir", path.join(dir, "no-records"));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("kubectl --namespace openclaw rollout undo deployment/openclaw-gateway");
    expect(r.stdout).toContain("npm run smoke -- --stack prod");
    expect(r.stdout).toContain("### Observe (runbook §4.6)");
    expect(r.stdout).toContain("`npm run deploy -- --stack prod`");
    expect(r.stdout).toMatch(/\| working tree at deploy \| (clean|\*\*dirty\*\*)/);
  });

  it("a stack without a Service is not told to run the smoke check (it has no in-cluster path)", () => {
    const file = path.join(dir, "no-service.json");
    const o = JSON.parse(fs.readFileSync(prodOutputs, "utf8"));
    o.changeTicket.endpoints.service = null;
    o.changeTicket.endpoints.serviceUrl = null;
    fs.writeFileSync(file, JSON.stringify(o));
    const r = ticket("--stack", "prod", "--outputs", file, "--out-dir", "out");
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain("npm run smoke");
    expect(r.stdout).toContain("No Service (bind=loopback for same-pod sidecars): no smoke check applies");
    expect(r.stdout).toContain("kubectl --namespace openclaw rollout undo deployment/openclaw-gateway");
  });
});
