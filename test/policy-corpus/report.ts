// Prints the corpus figures for README.md: precision and recall of the pack over the
// judged findings, per entry, and what kube-score and Checkov report on the same files
// (as recorded by policy-pack/scripts/record-tool-results.ts into tool-results.json).
//   npx ts-node --transpile-only test/policy-corpus/report.ts
import * as fs from "fs";
import * as path from "path";
import { judge, loadCorpus, score } from "./corpus";

const { entries } = loadCorpus();
const verdicts = entries.map(judge);
const s = score(verdicts);
console.log(`precision ${(s.precision * 100).toFixed(1)}% (${s.tp} of ${s.tp + s.fp} findings right), recall ${(s.recall * 100).toFixed(1)}% (${s.tp} of ${s.tp + s.fn} problems found)`);
const toolsFile = path.resolve(__dirname, "../../policy-pack/test/fixtures/tool-results.json");
const tools = fs.existsSync(toolsFile) ? (JSON.parse(fs.readFileSync(toolsFile, "utf8")) as { results: Record<string, Record<string, string[]>> }).results : {};
console.log("\n| entry | this pack: findings (judged right / wrong / missed) | policies | kube-score | Checkov |\n|---|---|---|---|---|");
for (const v of verdicts) {
  const pol = [...new Set(v.diagnostics.map((d) => d.policyName))].sort().map((p) => `\`${p}\``).join(", ");
  const t = tools[`corpus:${v.entry.id}`];
  const fmt = (xs: string[] | undefined) => (xs ? `${xs.length} (${[...new Set(xs.map((x) => x.replace(/^[A-Za-z]+ /, "")))].join(", ")})` : "not recorded");
  console.log(`| \`${v.entry.id}\` | ${v.diagnostics.length} (${v.truePositives} / ${v.falsePositives + v.unexpected.length} / ${(v.entry.missed ?? []).length + v.lost.length}) | ${pol} | ${fmt(t?.["kube-score"])} | ${fmt(t?.checkov)} |`);
}
