import { defineConfig } from "vitest/config";

// `npm run test:cluster`: the real program on the real local cluster (npm run
// cluster:up), driven by the real Pulumi engine. One file at a time, steps in
// order: each builds on the state the previous one left (up, roll, rollback,
// faults, destroy). `npm test` never touches the cluster.
export default defineConfig({
  test: {
    include: ["test/cluster/**/*.cluster.test.ts"],
    testTimeout: 900_000,
    hookTimeout: 1_800_000,
    pool: "forks",
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ["default"],
  },
});
