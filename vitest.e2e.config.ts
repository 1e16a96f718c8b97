import { defineConfig } from "vitest/config";

// `npm run test:e2e`: the real Pulumi engine (scripts/bootstrap-pulumi.sh builds
// it) against copies of this project in temp dirs, one file at a time: the
// machine has 2 cores and every `pulumi` run already uses both.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 900_000,
    pool: "forks",
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ["default"],
  },
});
