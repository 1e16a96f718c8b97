// Sizing from several bench:memory runs: the spread, the recommendation within the
// headroom ratio, and the verdict on committed figures; `npm run size` as a child process.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkCommitted, percentile, recommend, sizingFigures, spread, summarize, type MemoryMeasurement, type MemoryRun } from "../../../components/sizing";
import { ROOT } from "../../support/program";

const Mi = 2 ** 20;
const run = (p95: number, boot: number, extra: Partial<MemoryRun> = {}): MemoryRun => ({
  readyMs: 10_000,
  bootPeakBytes: boot * Mi,
  p50Bytes: (p95 - 20) * Mi,
  p95Bytes: p95 * Mi,
  maxBytes: (p95 + 5) * Mi,
  calls: 300,
  failures: 0,
  samples: 200,
  ...extra,
});
const measurement = (runs: MemoryRun[]): MemoryMeasurement => ({
  command: "npm run bench:memory -- --runs 5 --seconds 30 --concurrency 4",
  date: "2026-11-27T06:39:44.835Z",
  gateway: { release: "2026.9.6" },
  seconds: 30,
  concurrency: 4,
  machine: { cpus: 2, loadAverageBefore: 3.4, loadAverageAfter: 19 },
  runs,
});

describe("spread and percentiles", () => {
  it("nearest-rank percentile and min/median/max, for odd and even counts", () => {
    expect(percentile([5, 1, 4, 2, 3], 95)).toBe(5);
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95)).toBe(95);
    expect(spread([3, 1, 2])).toEqual({ min: 1, median: 2, max: 3 });
    expect(spread([4, 1, 2, 3])).toEqual({ min: 1, median: 2.5, max: 4 });
    expect(() => spread([])).toThrow(/no values/);
    expect(() => percentile([], 95)).toThrow(/no samples/);
  });

  it("summarizes P95 and boot peak across runs; sizes on the highest of each, in whole MiB", () => {
    const runs = [run(837, 868), run(865, 901), run(838, 864), run(833, 823), run(856, 836)];
    const s = summarize(runs);
    expect(s.p95).toEqual({ min: 833 * Mi, median: 838 * Mi, max: 865 * Mi });
    expect(s.bootPeak).toEqual({ min: 823 * Mi, median: 864 * Mi, max: 901 * Mi });
    expect(sizingFigures(measurement([run(864.2, 800)]))).toEqual({ p95Bytes: 865 * Mi, bootPeakBytes: 800 * Mi });
    expect(() => sizingFigures(measurement([]))).toThrow(/no runs/);
  });
});

describe("recommend", () => {
  it("request = P95, limit = 1.30 × max(P95, boot peak) rounded up to MiB, heap = 75% of the limit", () => {
    const r = recommend({ p95Bytes: 1000 * Mi, bootPeakBytes: 900 * Mi });
    expect(r.requestBytes).toBe(1000 * Mi);
    expect(r.limitBytes).toBe(1300 * Mi);
    expect(r.heapCapMiB).toBe(975);
    // A boot peak above the P95 sizes the limit.
    expect(recommend({ p95Bytes: 865 * Mi, bootPeakBytes: 901 * Mi }).limitBytes).toBe(Math.ceil(901 * 1.3) * Mi);
  });

  it("stays inside a stack's own band when 1.30 is outside it", () => {
    expect(recommend({ p95Bytes: 1000 * Mi, bootPeakBytes: 0 }, { minRatio: 1.5, maxRatio: 2 }).limitBytes).toBe(1500 * Mi);
    expect(recommend({ p95Bytes: 1000 * Mi, bootPeakBytes: 0 }, { minRatio: 1.1, maxRatio: 1.2 }).limitBytes).toBe(1200 * Mi);
  });
});

describe("checkCommitted", () => {
  const committed = (p95: number, boot: number, request: number, limit: number) => ({
    p95: { bytes: p95 * Mi, from: "default" },
    bootPeak: { bytes: boot * Mi, from: "default" },
    request: { bytes: request * Mi, from: "Pulumi.prod.yaml" },
    limit: { bytes: limit * Mi, from: "Pulumi.prod.yaml" },
    minRatio: 1.25,
    maxRatio: 1.4,
  });

  it("holds when the figures cover the measurement and the limit is 1.25–1.40× of it", () => {
    expect(checkCommitted(committed(1142, 900, 1142, 1485), { p95Bytes: 1142 * Mi, bootPeakBytes: 900 * Mi })).toEqual([]);
  });

  it("a measured P95 of 1142Mi against the committed 1013Mi and a 1392Mi limit: names each key and the right value", () => {
    const f = checkCommitted(committed(1013, 874, 1024, 1392), { p95Bytes: 1142 * Mi, bootPeakBytes: 900 * Mi });
    expect(f.map((x) => [x.key, x.value, x.right])).toEqual([
      ["resources.observed.p95WorkingSet", "1013Mi", "1142Mi"],
      ["resources.observed.bootPeak", "874Mi", "900Mi"],
      ["resources.memoryRequest", "1024Mi", "1142Mi"],
      ["resources.memoryLimit", "1392Mi", `${Math.ceil(1142 * 1.3)}Mi`],
    ]);
    expect(f[3].why).toMatch(/only 22% above the measured P95 working set of 1142Mi; at least 1.25×/);
    expect(f[3].from).toBe("Pulumi.prod.yaml");
    expect(f.every((x) => x.severity === "fails")).toBe(true);
  });

  it("a limit far above the measurement is a note (blind doubling), not a failure", () => {
    const f = checkCommitted(committed(900, 800, 900, 2048), { p95Bytes: 900 * Mi, bootPeakBytes: 800 * Mi });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "note", key: "resources.memoryLimit", value: "2048Mi", right: "1170Mi" });
    expect(f[0].why).toMatch(/at most 1.4×/);
  });
});

describe("npm run size", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "size-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const size = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(ROOT, "node_modules/ts-node/dist/bin.js"), "--transpile-only", path.join(ROOT, "scripts/cli/size.ts"), ...args], { cwd: dir, encoding: "utf8" });

  it("the committed measurement: every committed stack holds (exit 0)", () => {
    const r = size();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    for (const s of ["dev", "local", "prod", "staging"]) expect(r.stdout).toMatch(new RegExp(`stack ${s} \\(.*\\n.*\\n.*\\n  holds`));
    expect(r.stdout).toMatch(/measured: \d+ runs of `npm run bench:memory/);
  });

  it("a measurement above the committed figures: exit 1, naming stack, key, file, value and the right value", () => {
    const file = path.join(dir, "high.json");
    fs.writeFileSync(file, JSON.stringify(measurement([run(1100, 900), run(1142, 880), run(1120, 890)])));
    const r = size("--stack", "prod", "--measured", file);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("stack prod (Pulumi.prod.yaml, ratio 1.25–1.4)");
    expect(r.stdout).toMatch(/DOES NOT HOLD: resources\.observed\.p95WorkingSet = \d+Mi \(default in components\/config\/values\.ts\): below the measured P95 working set \(highest of the runs\) of 1142Mi; set 1142Mi/);
    expect(r.stdout).toMatch(/DOES NOT HOLD: resources\.memoryLimit = \d+Mi \(Pulumi\.prod\.yaml\): .*; set 1485Mi/);
    expect(r.stdout).not.toContain("stack staging");
  });

  it("bad input: exit 2 with the flag named; --help exits 0", () => {
    const missing = size("--measured", "nope.json");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--measured nope\.json: no such file; measure with `nice npm run bench:memory -- --json <file>`/);
    fs.writeFileSync(path.join(dir, "empty.json"), JSON.stringify({ runs: [] }));
    expect(size("--measured", "empty.json").stderr).toMatch(/no runs with a P95 and a boot peak/);
    const stack = size("--stack", "nosuch");
    expect(stack.status).toBe(2);
    expect(stack.stderr).toMatch(/stack nosuch: no stack file .*Pulumi\.nosuch\.yaml/);
    const unknown = size("--frobnicate");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option --frobnicate/);
    const help = size("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run size/);
  });
});
