// The smoke library as one self-contained script (`npm run build:bundles` writes it to
// smoke-job.cjs beside this file; a test keeps the committed file current). The same
// text is
//  - shipped in a ConfigMap and run with the `node` of the pinned gateway image by the
//    in-cluster Job (no extra image to pin): run as a program, it reads SMOKE_BASE_URL,
//    SMOKE_BUDGET_MS, SMOKE_PATH_NAME and the token variable, prints the evidence JSON to
//    stdout and the termination message, and exits 0 (pass), 1 (fail) or 2 (bad input);
//  - captured as plain data by the dynamic provider, which loads it at run time
//    (closure serialization cannot carry imported modules: docs/facts.md §2);
//  - run inside the tests' network namespaces against the real gateway.
// Node built-ins only, so nothing but `node` is needed to run it.
import { writeFileSync } from "node:fs";
import { jobMain } from "./checks";

export * from "./checks";
export * from "./ingress";
export * from "./kube";

if (require.main === module) {
  jobMain(process.env, (p, t) => writeFileSync(p, t), (t) => process.stdout.write(`${t}\n`)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`smoke: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
