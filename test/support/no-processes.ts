// Setup file of the `unit` project (vitest.config.mts): unit tests run in-process only.
// Every way node:child_process starts a program throws, naming where such a test belongs,
// so a unit test that quietly grew a subprocess (and with it a dependency on root, Debian
// packages or a toolchain) fails instead of passing only on a prepared machine.
import { syncBuiltinESMExports } from "node:module";

const STARTERS = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"] as const;

const childProcess = process.getBuiltinModule("node:child_process") as unknown as Record<string, unknown>;
for (const name of STARTERS) {
  childProcess[name] = () => {
    throw new Error(`unit tests start no processes (child_process.${name} was called): a test that needs one belongs in test/process/`);
  };
}
// `import { spawnSync } from "node:child_process"` binds the ESM view of the module: update it too.
syncBuiltinESMExports();
