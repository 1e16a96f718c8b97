#!/usr/bin/env node
// Runs one of the repository's command-line tools as compiled JavaScript:
//
//   node scripts/cli/run.js <policy-check|ticket|smoke|diagnose|config-check> [args...]
//   node scripts/cli/run.js --build          # compile every tool now (nothing runs), e.g. before
//                                        # `npm prune --omit=dev` in an image: without esbuild
//                                        # a fresh build still runs, a stale one is refused
//
// Plain JavaScript on purpose: starting TypeScript (ts-node type-loading a
// compiler) cost ~2 s per call, which a pre-commit hook or a CI gate pays every
// time. Each tool is bundled by esbuild into .build/cli/<tool>.js (gitignored)
// on first use, and rebuilt whenever it is stale: the stamp next to it records
// every input file esbuild read (sources and node_modules) with its size, mtime
// and sha256, plus this launcher and esbuild's version. A file whose size or
// mtime moved is hashed; only a changed hash rebuilds. Concurrent first runs
// (vitest starts many) each write to a temp file and rename it into place.
//
// policy:check also starts from V8's compiled code of its warmed-up bundle
// (.build/cli/policy-check.code-cache): the first run after a build loads the bundle, has it
// parse and check a small built-in gateway (warmUp), and saves the code V8 compiled for that,
// which covers the YAML decoder and the policies, not only the bundle's top level as Node's
// own compile cache does (that one saved nothing here). Later runs compile nothing of it again.
// A cache V8 refuses, or one that cannot be made, costs only that speed (said once on stderr);
// OPENCLAW_CLI_CODE_CACHE=0 runs without it (the tests compare the two).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "../..");
const OUT = path.join(ROOT, ".build", "cli");
const TOOLS = {
  "policy-check": "scripts/cli/policy-check.ts",
  ticket: "scripts/cli/ticket.ts",
  smoke: "scripts/cli/smoke.ts",
  diagnose: "scripts/cli/diagnose.ts",
  "config-check": "scripts/cli/config-check.ts",
};
// Tools started from a warmed-up code cache: their module exports main(argv) and warmUp(),
// and calls main itself only when globalThis.__ocCliRunsMain is unset.
const WARM = new Set(["policy-check"]);
// Loaded only when a code path needs them (mvdan-sh, 1.5 MB, only for shell scripts in a
// container's command): bundled, every start would parse them.
const EXTERNAL = ["@pulumi/*", "esbuild", "mvdan-sh"];

// node:crypto is loaded only when a file's mtime moved: most starts never need it.
const sha256 = (file) => require("node:crypto").createHash("sha256").update(fs.readFileSync(file)).digest("hex");

function readStamp(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** True when every recorded input still has its recorded content. Refreshes moved mtimes. */
function fresh(tool) {
  const stampFile = path.join(OUT, `${tool}.stamp.json`);
  const stamp = readStamp(stampFile);
  if (!stamp || stamp.version !== 1 || !fs.existsSync(path.join(OUT, `${tool}.js`))) return false;
  // Another esbuild compiles differently; none at all (npm ci --omit=dev after --build) keeps the build.
  let esbuildVersion;
  try {
    esbuildVersion = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/esbuild/package.json"), "utf8")).version;
  } catch {
    esbuildVersion = undefined;
  }
  if (esbuildVersion !== undefined && esbuildVersion !== stamp.esbuild) return false;
  let touched = false;
  for (const [rel, rec] of Object.entries(stamp.inputs)) {
    let st;
    try {
      st = fs.statSync(path.join(ROOT, rel));
    } catch {
      return false;
    }
    if (st.size === rec.size && st.mtimeMs === rec.mtimeMs) continue;
    if (st.size !== rec.size || sha256(path.join(ROOT, rel)) !== rec.sha256) return false;
    rec.mtimeMs = st.mtimeMs;
    touched = true;
  }
  if (touched) writeAtomic(stampFile, JSON.stringify(stamp));
  return true;
}

function writeAtomic(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function loadEsbuild() {
  try {
    return require("esbuild");
  } catch {
    process.stderr.write(
      "cli: the compiled tools are missing or stale and esbuild (a devDependency) is not installed: run `npm ci` (not `npm ci --omit=dev`) in " + ROOT + "\n",
    );
    process.exit(2);
  }
}

/**
 * Sources read `__dirname` to find files next to them (policy-pack/config, the smoke
 * Job's script smoke-job.cjs); in one bundle it would be .build/cli. Each use becomes its
 * source directory, resolved from the bundle's own location at run time.
 */
const dirnamePlugin = {
  name: "source-dirname",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = fs.readFileSync(args.path, "utf8");
      if (!/\b__dirname\b/.test(text)) return undefined;
      const rel = path.relative(ROOT, path.dirname(args.path)).split(path.sep).join("/");
      return { contents: text.replace(/\b__dirname\b/g, `__ocSourceDir(${JSON.stringify(rel)})`), loader: "ts" };
    });
  },
};

function options(entry, outfile) {
  return {
    entryPoints: [path.join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: EXTERNAL,
    metafile: true,
    logLevel: "error",
    absWorkingDir: ROOT,
    banner: { js: `const __ocSourceDir = (rel) => require("node:path").join(__dirname, "..", "..", rel);` },
    plugins: [dirnamePlugin],
  };
}

async function buildAsync(tool) {
  const esbuild = loadEsbuild();
  fs.mkdirSync(OUT, { recursive: true });
  const outfile = path.join(OUT, `${tool}.js`);
  const tmp = `${outfile}.${process.pid}.tmp`;
  const result = await esbuild.build(options(TOOLS[tool], tmp));
  // Not in the metafile: tsconfig.json (esbuild reads its options); esbuild's version is in the stamp.
  // Files a tool reads at run time (the smoke Job's script) are read afresh on every run.
  const extra = [path.relative(ROOT, __filename), "tsconfig.json"];
  const inputs = {};
  for (const rel of [...Object.keys(result.metafile.inputs), ...extra]) {
    const file = path.join(ROOT, rel);
    const st = fs.statSync(file);
    inputs[rel.split(path.sep).join("/")] = { size: st.size, mtimeMs: st.mtimeMs, sha256: sha256(file) };
  }
  fs.renameSync(tmp, outfile);
  writeAtomic(path.join(OUT, `${tool}.stamp.json`), JSON.stringify({ version: 1, esbuild: esbuild.version, inputs }));
}

/**
 * What a code cache was made from: the bundle (rewritten whenever an input changed) and the
 * Node that compiled it. V8 checks its own version and flags, but of the source only its length.
 */
function codeCacheKey(tool) {
  const st = fs.statSync(path.join(OUT, `${tool}.js`));
  return { version: 1, bundle: { size: st.size, mtimeMs: st.mtimeMs }, node: process.version };
}

/**
 * Loads a WARM tool's bundle as a CommonJS module, compiled through vm.Script so V8 can be
 * handed the code cache when that is current; else makes the cache after loading (warmUp,
 * then V8's compiled code of the whole bundle). Returns the module's exports, main not yet run.
 */
function loadWarm(tool, { useCache = true } = {}) {
  const Module = require("node:module");
  const vm = require("node:vm");
  const file = path.join(OUT, `${tool}.js`);
  const cacheFile = path.join(OUT, `${tool}.code-cache`);
  const stampFile = `${cacheFile}.json`;
  const key = JSON.stringify(codeCacheKey(tool));
  const stamp = useCache ? readStamp(stampFile) : undefined;
  const current = stamp !== undefined && JSON.stringify(stamp.key) === key;
  let cachedData;
  if (current && stamp.failed === undefined) {
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, "utf8")), { filename: file, cachedData });
  const mod = new Module(file, null);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  globalThis.__ocCliRunsMain = true;
  try {
    script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  } finally {
    delete globalThis.__ocCliRunsMain;
  }
  mod.loaded = true;
  if (useCache && !current) {
    try {
      mod.exports.warmUp();
      writeAtomic(cacheFile, script.createCachedData());
      writeAtomic(stampFile, JSON.stringify({ key: JSON.parse(key) }));
    } catch (e) {
      const why = e && e.message ? e.message.split("\n")[0] : String(e);
      writeAtomic(stampFile, JSON.stringify({ key: JSON.parse(key), failed: why }));
      process.stderr.write(`cli: could not make the code cache of ${tool} (${why}); it runs without, slower to start\n`);
    }
  }
  return mod.exports;
}

async function main() {
  const [tool, ...args] = process.argv.slice(2);
  if (tool === "--build") {
    for (const t of Object.keys(TOOLS)) await buildAsync(t);
    for (const t of WARM) loadWarm(t);
    return;
  }
  if (!Object.hasOwn(TOOLS, tool ?? "")) {
    process.stderr.write(`usage: node scripts/cli/run.js <${Object.keys(TOOLS).join("|")}> [args...] | --build\n`);
    process.exit(2);
  }
  if (!fresh(tool)) await buildAsync(tool);
  if (WARM.has(tool)) {
    process.argv = [process.argv[0], path.join(OUT, `${tool}.js`), ...args];
    const exports = loadWarm(tool, { useCache: process.env.OPENCLAW_CLI_CODE_CACHE !== "0" });
    process.exitCode = exports.main(args);
    return;
  }
  // Node >= 22.1 keeps V8's compiled code on disk: the bundle is not compiled again on every start.
  require("node:module").enableCompileCache?.(path.join(OUT, "v8-cache"));
  // Run it as the main module (its `require.main === module` holds), as ts-node does.
  process.argv = [process.argv[0], path.join(OUT, `${tool}.js`), ...args];
  require("node:module").runMain();
}

main().catch((e) => {
  process.stderr.write(`cli: ${e && e.message ? e.message : String(e)}\n`);
  process.exit(2);
});
