// Runs one of the committed self-contained scripts (smoke-job.cjs, signoff-lib.cjs) as a
// CommonJS module and returns its exports. Used inside dynamic providers, which Pulumi
// serializes by closure: so this module imports nothing and the function needs only what
// every Node process has (`require` of built-ins). The scripts need only Node built-ins
// (test/process/tooling/bundles.process.test.ts); anything else is refused by name.
export function evaluateCommonJs(text: string, id: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { isBuiltin } = require("module") as typeof import("module");
  const builtinsOnly = (name: string) => {
    if (!isBuiltin(name)) throw new Error(`${id}: requires "${name}", but a committed bundle may require only Node built-ins`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name);
  };
  const module = { exports: {} as unknown };
  const filename = `/${id}.cjs`;
  // The CommonJS wrapper's parameters, as Node passes them; sourceURL names it in stack traces.
  new Function("exports", "require", "module", "__filename", "__dirname", `${text}\n//# sourceURL=${filename}`)(module.exports, builtinsOnly, module, filename, "/");
  return module.exports;
}
