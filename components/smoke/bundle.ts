// Turns the smoke library (checks.ts, kube.ts: Node built-ins only) into one
// self-contained CommonJS script. The same text is
//  - shipped in a ConfigMap and run with the `node` of the pinned gateway image
//    by the in-cluster Job (no extra image to pin),
//  - captured as plain data by the dynamic provider, which compiles it at run
//    time (closure serialization cannot carry imported modules: docs/facts.md §2),
//  - run inside the test's network namespace against the real gateway.
// TypeScript is only transpiled (no type check here; `npm run build` does that).
import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The bundle text, when scripts/cli.js compiled the calling tool: made by this very
 * function at compile time, so the compiled smoke CLI never loads TypeScript.
 */
declare const OPENCLAW_SMOKE_BUNDLE: string | undefined;

/**
 * Modules of the bundle, in dependency order, by the specifier the smoke files
 * import them with; each may require only earlier ones and node: built-ins.
 */
const MODULES = ["../../policy-pack/rules/names", "./checks", "./ingress", "./kube"] as const;

function transpile(specifier: string): string {
  // Loaded here, not at the top: importing this module must not cost the compiler's start-up.
  const ts = require("typescript") as typeof import("typescript");
  const file = `${specifier}.ts`;
  const src = readFileSync(join(__dirname, file), "utf8");
  const out = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, removeComments: false },
    fileName: file,
    reportDiagnostics: true,
  });
  if (out.diagnostics?.length) {
    throw new Error(`transpiling ${file}: ${out.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ")}`);
  }
  return out.outputText.replace(/\n\/\/# sourceMappingURL=.*$/, "");
}

let cached: string | undefined;

/**
 * The bundle: a CommonJS script whose exports are those of checks.ts and kube.ts.
 * Run with `node` it is the in-cluster Job: reads SMOKE_BASE_URL, SMOKE_BUDGET_MS,
 * SMOKE_PATH_NAME and OPENCLAW_GATEWAY_TOKEN, prints the evidence JSON to stdout
 * and the termination message, exits 0 (pass), 1 (fail) or 2 (bad input).
 */
export function smokeBundle(): string {
  if (cached) return cached;
  if (typeof OPENCLAW_SMOKE_BUNDLE === "string") return (cached = OPENCLAW_SMOKE_BUNDLE);
  const parts = MODULES.map(
    (m) => `  ${JSON.stringify(m)}: function (exports, require, module) {\n${transpile(m)}\n  },`,
  );
  cached = `"use strict";
// openclaw-gateway-infra smoke checks: generated from components/smoke/*.ts and policy-pack/rules/names.ts by bundle.ts. Node built-ins only.
const __smokeModules = {
${parts.join("\n")}
};
const __smokeCache = {};
function __smokeRequire(id) {
  const key = id.replace(/\\.(js|ts)$/, "");
  if (Object.prototype.hasOwnProperty.call(__smokeModules, key)) {
    if (!__smokeCache[key]) {
      const mod = { exports: {} };
      __smokeCache[key] = mod;
      __smokeModules[key](mod.exports, __smokeRequire, mod);
    }
    return __smokeCache[key].exports;
  }
  return require(id);
}
module.exports = Object.assign({}, __smokeRequire("./checks"), __smokeRequire("./ingress"), __smokeRequire("./kube"));
if (require.main === module) {
  module.exports
    .jobMain(process.env, (p, t) => require("node:fs").writeFileSync(p, t), (t) => process.stdout.write(t + "\\n"))
    .then((code) => { process.exitCode = code; }, (err) => { process.stderr.write("smoke: " + (err && err.message ? err.message : String(err)) + "\\n"); process.exitCode = 2; });
}
`;
  return cached;
}
