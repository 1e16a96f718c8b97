// The three checkers run on rendered manifests in step 3: the project's own
// manifest checker (`npm run policy:check`, the policy pack's rules on plain
// YAML), kubeconform against the upstream Kubernetes JSON schemas, and
// kube-score, whose findings must each be fixed or justified.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, run, type RunResult, type Workspace } from "./engine";

export const JUSTIFICATIONS_FILE = join(REPO, "test/e2e/kube-score-justifications.json");
export const CHECKOV_JUSTIFICATIONS_FILE = join(REPO, "test/e2e/checkov-justifications.json");

export async function manifestChecker(ws: Workspace, dir: string, stack = "local"): Promise<RunResult> {
  const pkg = JSON.parse(readFileSync(join(ws.dir, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  if (!pkg.scripts?.["policy:check"]) {
    throw new Error("package.json has no `policy:check` script: the manifest checker is missing");
  }
  const args = ["run", "-s", "policy:check", "--"];
  const config = join(ws.dir, "policy-pack", "config", `${stack}.json`);
  if (existsSync(config)) args.push("--config", config);
  args.push(dir);
  return run("npm", args, { cwd: ws.dir, env: ws.env, timeoutMs: 120_000 });
}

export interface KubeconformResult extends RunResult {
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

export async function kubeconform(env: Record<string, string>, files: string[]): Promise<KubeconformResult> {
  const schemas = join(env.OPENCLAW_K8S_SCHEMA_DIR, `v${env.OPENCLAW_K8S_SCHEMA_VERSION}-local-strict`);
  const r = await run(
    "kubeconform",
    ["-strict", "-summary", "-output", "json", "-schema-location", `${schemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`, ...files],
    { cwd: REPO, env, timeoutMs: 120_000 },
  );
  let summary = { valid: 0, invalid: 0, errors: 0, skipped: 0 };
  try {
    summary = { ...summary, ...(JSON.parse(r.stdout) as { summary: typeof summary }).summary };
  } catch {
    // leave zeros: the assertion on the exit code shows the output
  }
  return { ...r, summary };
}

interface KubeScoreObject {
  object_name: string;
  type_meta: { kind: string };
  checks: { check: { id: string }; grade: number; skipped: boolean; comments: { summary: string }[] | null }[];
}

export interface KubeScoreResult extends RunResult {
  /** "Kind/group/version/namespace/name check-id (GRADE): summary" for every finding below ALL_OK. */
  findings: string[];
  /** Checks kube-score evaluated (not skipped), over all objects. */
  evaluated: number;
  unjustified: string[];
  stale: string[];
}

const GRADES: Record<number, string> = { 1: "CRITICAL", 5: "WARNING", 7: "ALMOST_OK", 10: "ALL_OK" };

/** kube-score's findings against the written justifications ("Kind/name check-id" → reason). */
export async function kubeScore(env: Record<string, string>, files: string[]): Promise<KubeScoreResult> {
  const r = await run("kube-score", ["score", "--output-format", "json", ...files], { cwd: REPO, env, timeoutMs: 120_000 });
  let objects: KubeScoreObject[];
  try {
    objects = JSON.parse(r.stdout) as KubeScoreObject[];
  } catch {
    throw new Error(`kube-score did not print JSON (exit ${r.code}):\n${r.output}`);
  }
  const justified = JSON.parse(readFileSync(JUSTIFICATIONS_FILE, "utf8")) as Record<string, string>;
  const keys = new Set<string>();
  const findings: string[] = [];
  let evaluated = 0;
  for (const o of objects) {
    for (const c of o.checks) {
      if (!c.skipped) evaluated++;
      if (c.skipped || c.grade >= 10) continue;
      const key = `${o.object_name} ${c.check.id}`;
      keys.add(key);
      findings.push(`${key} (${GRADES[c.grade] ?? c.grade}): ${(c.comments ?? []).map((x) => x.summary).join("; ")}`);
    }
  }
  const unjustified = findings.filter((f) => !justified[f.split(" (")[0]]);
  const stale = Object.keys(justified).filter((k) => !k.startsWith("_") && !keys.has(k));
  return { ...r, findings, evaluated, unjustified, stale };
}

export interface CheckovResult extends RunResult {
  passed: number;
  /** "CHECK_ID Kind.namespace.name: check name" for every failed check. */
  findings: string[];
  unjustified: string[];
  stale: string[];
}

/**
 * Checkov (PyPI), the stand-in for Polaris (refused by the Go module proxy), on a
 * directory of manifests. Its wrapper never downloads; as root it also runs in an
 * empty network namespace, so nothing can leave the machine whatever it tries.
 */
export async function checkov(env: Record<string, string>, dir: string): Promise<CheckovResult> {
  const args = ["-d", dir, "--framework", "kubernetes", "--output", "json", "--quiet", "--compact"];
  const isolated = process.getuid?.() === 0;
  const r = await run(isolated ? "unshare" : "checkov", isolated ? ["-n", "checkov", ...args] : args, { cwd: REPO, env, timeoutMs: 180_000 });
  let report: { summary: { passed: number; failed: number }; results: { failed_checks: { check_id: string; resource: string; check_name: string }[] } };
  try {
    const parsed = JSON.parse(r.stdout) as typeof report | (typeof report)[];
    report = Array.isArray(parsed) ? parsed[0] : parsed;
  } catch {
    throw new Error(`checkov did not print JSON (exit ${r.code}):\n${r.output}`);
  }
  const justified = JSON.parse(readFileSync(CHECKOV_JUSTIFICATIONS_FILE, "utf8")) as Record<string, string>;
  const keys = new Set(report.results.failed_checks.map((f) => `${f.check_id} ${f.resource}`));
  const findings = report.results.failed_checks.map((f) => `${f.check_id} ${f.resource}: ${f.check_name}`);
  const unjustified = findings.filter((f) => !justified[f.split(":")[0]]);
  const stale = Object.keys(justified).filter((k) => !k.startsWith("_") && !keys.has(k));
  return { ...r, passed: report.summary.passed, findings, unjustified, stale };
}
