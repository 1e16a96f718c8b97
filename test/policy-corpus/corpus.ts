// The corpus of third-party OpenClaw manifests (test/policy-corpus/corpus.yaml): each kept
// file, the findings judged right (with a reason each), the findings judged wrong (known
// false positives) and the problems judged present that the pack does not report (known
// misses). Shared by the regression test and the README's precision/recall figures.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { policies } from "../../policy-pack/policies";
import { analyze, type Diagnostic } from "../../policy-pack/harness/engine";
import { listYamlFiles, loadManifests } from "../../policy-pack/harness/manifests";

export const CORPUS = __dirname;

export interface Judged {
  policy: string;
  object: string;
  /** A distinctive part of the message (the container, the field). */
  contains: string;
  reason: string;
}

export interface Entry {
  id: string;
  repo: string;
  path: string;
  commit: string;
  license: string;
  rendered: string;
  files: string[];
  namespace?: string;
  config?: Record<string, unknown>;
  expected: Judged[];
  falsePositives?: Judged[];
  missed?: Judged[];
}

export interface Excluded {
  repo: string;
  path: string;
  commit: string;
  sha256?: string;
  why: string;
}

export function loadCorpus(): { entries: Entry[]; excluded: Excluded[] } {
  const doc = parse(fs.readFileSync(path.join(CORPUS, "corpus.yaml"), "utf8")) as { entries: Entry[]; excluded: Excluded[] };
  return { entries: doc.entries, excluded: doc.excluded ?? [] };
}

export interface Verdict {
  entry: Entry;
  diagnostics: Diagnostic[];
  /** Findings matched by no judged entry: new false positives. */
  unexpected: Diagnostic[];
  /** Judged-right findings the pack no longer reports. */
  lost: Judged[];
  truePositives: number;
  falsePositives: number;
}

const objectOf = (d: Diagnostic) => /^([A-Za-z]+\/[^/: ]+\/[^: ]+): /.exec(d.detail)?.[1] ?? "";
const matches = (d: Diagnostic, j: Judged) => d.policyName === j.policy && objectOf(d) === j.object && d.detail.includes(j.contains);

export function judge(entry: Entry): Verdict {
  const files = listYamlFiles(entry.files.map((f) => path.join(CORPUS, f)));
  const objs = loadManifests(files, entry.namespace ?? "default");
  const { diagnostics } = analyze(policies, objs.map((o) => o.resource), entry.config ?? {});
  const known = [...entry.expected, ...(entry.falsePositives ?? [])];
  const unexpected = diagnostics.filter((d) => !known.some((j) => matches(d, j)));
  const lost = entry.expected.filter((j) => !diagnostics.some((d) => matches(d, j)));
  const fp = diagnostics.filter((d) => (entry.falsePositives ?? []).some((j) => matches(d, j))).length;
  return { entry, diagnostics, unexpected, lost, truePositives: diagnostics.length - unexpected.length - fp, falsePositives: fp };
}

/** Precision and recall over the whole corpus, counting each reported finding once. */
export function score(verdicts: readonly Verdict[]): { tp: number; fp: number; fn: number; precision: number; recall: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const v of verdicts) {
    tp += v.truePositives;
    fp += v.falsePositives + v.unexpected.length;
    fn += (v.entry.missed ?? []).length + v.lost.length;
  }
  return { tp, fp, fn, precision: tp / Math.max(1, tp + fp), recall: tp / Math.max(1, tp + fn) };
}
