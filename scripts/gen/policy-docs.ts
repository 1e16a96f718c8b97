// npm run docs:policies [-- --check]
// Writes docs/policies.md and docs/comparison.md from the policy pack itself and, when
// README.md has the markers, the same text between <!-- policies:begin/end --> and
// <!-- comparison:begin/end -->. With --check, writes nothing and exits 1 if any is stale.
import * as fs from "fs";
import * as path from "path";
import { renderComparison, renderPolicies, replaceBetweenMarkers } from "../../policy-harness/docs";
import { parseCommandLine } from "../cli/lib/args";

const ROOT = path.join(__dirname, "..", "..");
const { values } = parseCommandLine(
  {
    name: "docs:policies",
    usage: "usage: npm run docs:policies -- [--check]\n  writes docs/policies.md, docs/comparison.md and the tables between the README markers\n  --check   change nothing; exit 1 when any is stale",
    options: { check: { type: "boolean" } },
  },
  process.argv.slice(2),
);
const check = values.check === true;
const policies = renderPolicies();
const comparison = renderComparison();
const outputs: [string, string][] = [
  ["docs/policies.md", `# Policies of the CrossGuard pack\n\n${policies}`],
  ["docs/comparison.md", `# This pack and the usual manifest checkers, fixture by fixture\n\n${comparison}`],
];
const readme = path.join(ROOT, "README.md");
if (fs.existsSync(readme)) {
  let text: string | undefined = fs.readFileSync(readme, "utf8");
  const missing: string[] = [];
  for (const [name, body] of [["policies", policies], ["comparison", comparison]] as const) {
    const next = replaceBetweenMarkers(text!, name, body);
    if (next === undefined) missing.push(name);
    else text = next;
  }
  if (missing.length) console.error(`README.md has no <!-- ${missing.join("/")}:begin/end --> markers; the generated text is in docs/ only`);
  outputs.push(["README.md", text!]);
}
let stale = 0;
for (const [file, text] of outputs) {
  const p = path.join(ROOT, file);
  const old = fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined;
  if (old === text) continue;
  stale++;
  if (check) console.error(`${file} is out of date; run npm run docs:policies`);
  else {
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    console.log(`wrote ${file}`);
  }
}
if (check && stale > 0) process.exitCode = 1;
