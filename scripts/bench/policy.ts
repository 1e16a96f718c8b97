// npm run bench:policy [-- --sizes 1,10,100,1000 --runs 5]
//
// How long the pack takes per resource as the stack grows: N gateways' worth of objects
// (the good fixture's ServiceAccount, ConfigMap, Secret, Deployment, Service,
// NetworkPolicy and PDB, renamed per gateway, ten gateways per namespace), validated by
// all 11 policies under the prod config through the in-process engine mirror (a fresh
// copy of the props wrapped in the unknown-checking proxy per policy, as the engine does).
// Prints the median of --runs runs per size and the spread. Target: < 1 ms per resource,
// flat (linear total) from 1 to 1000 gateways.
import * as path from "path";
import { performance } from "perf_hooks";
import { policies } from "../../policy-pack/policies";
import { analyze, type HarnessResource } from "../../policy-harness/engine";
import { loadConfigFile } from "../../policy-harness/config";
import { goodDocs, type FixtureDoc } from "../../policy-harness/cases";
import { pulumiTypeOf } from "../../policy-pack/model/k8s";
import { parseCommandLine, usageExit } from "../cli/lib/args";

const USAGE = [
  "usage: npm run bench:policy -- [--sizes 1,10,100,1000] [--runs 5]",
  "  --sizes <list>   numbers of gateways (7 objects each) to validate",
  "  --runs N         runs per size; the median is printed",
  "(the whole-process start-up of policy:check against kube-score: npm run bench:cli)",
].join("\n");
const { values } = parseCommandLine({ name: "bench:policy", usage: USAGE, options: { sizes: { type: "string" }, runs: { type: "string" } } }, process.argv.slice(2));
const sizes = (values.sizes ?? "1,10,100,1000").split(",").map(Number);
const runs = Number(values.runs ?? "5");
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) usageExit("bench:policy", `--sizes ${values.sizes}: expected whole numbers ≥ 1, comma-separated`);
if (!Number.isInteger(runs) || runs < 1) usageExit("bench:policy", `--runs ${values.runs}: expected a whole number ≥ 1`);
const config = loadConfigFile(path.join(__dirname, "../../policy-pack/config/prod.json"));
const template = JSON.stringify(goodDocs());

function gateways(n: number): HarnessResource[] {
  const out: HarnessResource[] = [];
  for (let i = 0; i < n; i++) {
    const ns = `bench-${Math.floor(i / 10)}`;
    const docs = JSON.parse(
      template.replace(/openclaw-staging/g, ns).replace(/openclaw-gateway/g, `gw-${i}`).replace(/"app.kubernetes.io\/instance":"staging"/g, `"app.kubernetes.io/instance":"i${i}"`),
    ) as FixtureDoc[];
    for (const d of docs) {
      const type = pulumiTypeOf(d.apiVersion, d.kind);
      out.push({ type, props: d, urn: `urn:pulumi:bench::bench::${type}::${ns}/${d.metadata.name}`, name: d.metadata.name });
    }
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Warm up the JIT on a small stack so the first size is not charged for compilation.
analyze(policies, gateways(5), config);

console.log(`policy pack: ${policies.length} policies, prod config, median of ${runs} runs (Node ${process.version}, ${require("os").cpus().length} cores)`);
console.log("gateways  resources  total ms (min–max)        ms/resource  violations");
const perResource: number[] = [];
for (const n of sizes) {
  const res = gateways(n);
  const times: number[] = [];
  let violations = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const result = analyze(policies, res, config);
    times.push(performance.now() - t0);
    violations = result.diagnostics.length;
  }
  const m = median(times);
  perResource.push(m / res.length);
  console.log(
    `${String(n).padStart(8)}  ${String(res.length).padStart(9)}  ${m.toFixed(1).padStart(9)} (${Math.min(...times).toFixed(1)}–${Math.max(...times).toFixed(1)})`.padEnd(45) +
      `${(m / res.length).toFixed(3).padStart(11)}  ${String(violations).padStart(10)}`,
  );
}
// The engine mirror's own share: the same number of no-op policies (a fresh props copy in the
// unknown-checking proxy per policy and resource), so the policies' own cost can be read off.
const noop = policies.map((p) => ("validateStack" in p
  ? { ...p, validateStack: () => undefined }
  : { ...p, validateResource: () => undefined })) as typeof policies;
{
  const res = gateways(sizes[sizes.length - 1]);
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    analyze(noop, res, config);
    times.push(performance.now() - t0);
  }
  const m = median(times) / res.length;
  console.log(`of which engine-mirror overhead at ${sizes[sizes.length - 1]} gateways (no-op policies): ${m.toFixed(3)} ms/resource; the policies themselves: ${(perResource[perResource.length - 1] - m).toFixed(3)} ms/resource`);
}
const growth = perResource[perResource.length - 1] / perResource[Math.min(1, perResource.length - 1)];
console.log(`ms/resource at ${sizes[sizes.length - 1]} gateways is ${growth.toFixed(2)}× that at ${sizes[Math.min(1, sizes.length - 1)]} (1.00 = perfectly linear total)`);
