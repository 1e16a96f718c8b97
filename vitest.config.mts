import { basename } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

// The tests by kind, one vitest project each, each runnable alone (`npm run test:<kind>`).
// A file's kind is its directory and its suffix: test/<kind>/**/<name>.<kind>.test.ts
// (test/unit/program/layout.unit.test.ts holds every file to that).
//
//   unit     in-process only: Pulumi mocks, pure rules, the pack's harness. No child
//            processes (test/support/no-processes.ts refuses them), no root, no
//            Debian packages: `npm run test:unit` runs on any machine after `npm ci`.
//   process  real processes on this machine: the gateway, sshd, network namespaces,
//            nftables, the CLIs, the pack as a gRPC server, tsc, knip. Needs root and
//            `npm run setup:test`.
//   e2e      the real Pulumi engine (`npm run bootstrap:pulumi`) against copies of
//            the project in temp dirs; one file at a time (every `pulumi` run already
//            uses both cores).
//   cluster  the real program on the real local cluster (`npm run cluster:up`), one
//            file at a time, steps in order: each builds on the state the previous
//            one left (up, roll, rollback, faults, destroy).
//
// `npm test` is unit + process. The e2e and cluster projects run only when named
// (`npm run test:e2e`, `npm run test:cluster`).

/** Cluster files in a fixed order: the dev-stack suite first, the Ingress suite last
 * (on a machine with empty caches CI is still building Traefik meanwhile, and only the
 * Ingress suite needs it). Every other file keeps vitest's own order. */
const CLUSTER_ORDER = ["dev-stack.cluster.test.ts", "ingress.cluster.test.ts"];

class ClusterFilesInOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => CLUSTER_ORDER.indexOf(basename(f.moduleId));
    return [...(await super.sort(files))].sort((a, b) => rank(a) - rank(b));
  }
}

const project = (name: "unit" | "process" | "e2e" | "cluster", test: Record<string, unknown>) => ({
  extends: true as const,
  test: { name, include: [`test/${name}/**/*.${name}.test.ts`], ...test },
});

export default defineConfig({
  test: {
    pool: "forks",
    exclude: ["**/node_modules/**"],
    sequence: { sequencer: ClusterFilesInOrder },
    projects: [
      project("unit", { testTimeout: 60_000, hookTimeout: 240_000, setupFiles: ["test/support/no-processes.ts"] }),
      project("process", { testTimeout: 60_000, hookTimeout: 240_000 }),
      project("e2e", { testTimeout: 600_000, hookTimeout: 900_000, fileParallelism: false, maxWorkers: 1 }),
      project("cluster", { testTimeout: 900_000, hookTimeout: 1_800_000, fileParallelism: false, maxWorkers: 1 }),
    ],
  },
});
