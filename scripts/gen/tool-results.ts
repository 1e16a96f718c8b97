// Runs the manifest checkers that can be installed here over every fixture and records
// what they report, for the comparison table (docs/comparison.md):
//   kube-score  (go install github.com/zegl/kube-score/cmd/kube-score@v1.20.0)
//   Checkov     (pip install checkov==3.3.30)
// Polaris and kube-linter are refused by the Go module proxy here and Kyverno's CLI
// was not built; their columns stay "per documented checks".
//
//   KUBE_SCORE=/path/kube-score [KUBE_SCORE_VERSION=v1.20.0] CHECKOV=/path/checkov npx ts-node --transpile-only scripts/gen/tool-results.ts
//
// Writes test/fixtures/policy/tool-results.json (the fixtures, and the corpus entries of
// test/fixtures/policy-corpus as "corpus:<id>"). A finding is "<Kind> <check id>".
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { caseYaml, FIXTURES, GOOD, loadCases } from "../../policy-harness/cases";

interface Tool {
  name: string;
  version: string;
  run(file: string): string[];
}

function exec(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; status?: number };
    if (err.stdout) return err.stdout; // both exit non-zero when they find something
    throw new Refused((err.stderr ?? String(e)).trim().split("\n")[0].slice(0, 120));
  }
}

/** The tool rejected the file as a whole (e.g. kube-score on a malformed quantity). */
class Refused extends Error {}

function findings(t: Tool, file: string): string[] {
  try {
    return t.run(file);
  } catch (e) {
    if (e instanceof Refused) return [`(refuses the file: ${e.message})`];
    throw e;
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tool-results-"));
const fixtures: Record<string, string> = { "good-gateway": GOOD, "upstream-kustomize-loopback-exec-probes": path.join(FIXTURES, "manifests/upstream-kustomize-loopback-exec-probes.yaml") };
for (const c of loadCases()) {
  const f = path.join(dir, `${c.name}.yaml`);
  fs.writeFileSync(f, caseYaml(c));
  fixtures[c.name] = f;
}
// The corpus of third-party manifests (test/fixtures/policy-corpus): each entry's files concatenated into one.
const corpus = path.resolve(__dirname, "../../test/fixtures/policy-corpus");
const corpusDoc = parse(fs.readFileSync(path.join(corpus, "corpus.yaml"), "utf8")) as { entries: { id: string; files: string[] }[] };
for (const e of corpusDoc.entries) {
  const f = path.join(dir, `corpus-${e.id}.yaml`);
  fs.writeFileSync(f, e.files.map((x) => fs.readFileSync(path.join(corpus, x), "utf8")).join("\n---\n"));
  fixtures[`corpus:${e.id}`] = f;
}
const tools: Tool[] = [];
if (process.env.KUBE_SCORE) {
  const bin = process.env.KUBE_SCORE;
  tools.push({
    name: "kube-score",
    // A `go install`ed binary reports "development"; the version is the one installed.
    version: process.env.KUBE_SCORE_VERSION ?? "v1.20.0",
    run: (file) => {
      const out = JSON.parse(exec(bin, ["score", "--output-format", "json", file])) as {
        type_meta: { kind: string };
        checks: { check: { id: string }; grade: number; skipped: boolean }[];
      }[];
      return out.flatMap((o) => o.checks.filter((c) => !c.skipped && c.grade < 10).map((c) => `${o.type_meta.kind} ${c.check.id}`));
    },
  });
}
if (process.env.CHECKOV) {
  const bin = process.env.CHECKOV;
  // Checkov starts slowly (~9 s): run it once over all files (-f a -f b ...) and group by file.
  let byFile: Map<string, string[]> | undefined;
  tools.push({
    name: "checkov",
    version: exec(bin, ["--version"]).trim(),
    run: (file) => {
      if (!byFile) {
        byFile = new Map();
        const args = Object.values(fixtures).flatMap((f) => ["-f", f]);
        const parsed = JSON.parse(exec(bin, [...args, "--framework", "kubernetes", "-o", "json", "--quiet", "--compact", "--skip-download"]));
        const reports = Array.isArray(parsed) ? parsed : [parsed];
        for (const r of reports as { results?: { failed_checks?: { check_id: string; resource: string; file_abs_path?: string; file_path: string }[] } }[]) {
          for (const c of r.results?.failed_checks ?? []) {
            const f = path.resolve(c.file_abs_path ?? c.file_path);
            byFile.set(f, [...(byFile.get(f) ?? []), `${c.resource.split(".")[0]} ${c.check_id}`]);
          }
        }
      }
      return byFile.get(path.resolve(file)) ?? [];
    },
  });
}
if (tools.length === 0) {
  console.error("set KUBE_SCORE and/or CHECKOV to the tools' paths");
  process.exit(2);
}

const results: Record<string, Record<string, string[]>> = {};
for (const [name, file] of Object.entries(fixtures)) {
  results[name] = {};
  for (const t of tools) results[name][t.name] = [...new Set(findings(t, file))].sort();
  process.stderr.write(".");
}
fs.rmSync(dir, { recursive: true, force: true });
const out = path.join(FIXTURES, "tool-results.json");
const previous = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, "utf8")) : { tools: {}, results: {} };
for (const t of tools) previous.tools[t.name] = t.version;
for (const [name, r] of Object.entries(results)) previous.results[name] = { ...(previous.results[name] ?? {}), ...r };
fs.writeFileSync(out, `${JSON.stringify(previous, null, 2)}\n`);
console.error(`\nwrote ${out}`);
