import { basename } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** The files in a fixed order, not vitest's default (by past duration and size). */
const ORDER = ["dev-stack.cluster.test.ts", "ingress.cluster.test.ts"];

class FixedOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = ORDER.indexOf(basename(f.moduleId));
      return i < 0 ? ORDER.length : i;
    };
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

// `npm run test:cluster`: the real program on the real local cluster (npm run
// cluster:up), driven by the real Pulumi engine. One file at a time, steps in
// order: each builds on the state the previous one left (up, roll, rollback,
// faults, destroy). The dev-stack suite runs first and the Ingress suite last:
// on a machine with empty caches CI is still building the Traefik controller in the
// background meanwhile (tools/prebuild.sh), and the Ingress suite is the one that needs it.
// `npm test` never touches the cluster.
export default defineConfig({
  test: {
    include: ["test/cluster/**/*.cluster.test.ts"],
    testTimeout: 900_000,
    hookTimeout: 1_800_000,
    pool: "forks",
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ["default"],
    sequence: { sequencer: FixedOrder },
  },
});
