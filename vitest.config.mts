import { defineConfig } from "vitest/config";

// `npm test` runs unit tests (Pulumi mocks, pure rules) and real-process tests
// (the real gateway, sshd, the policy pack as a process). The real-engine suite
// lives in test/e2e and runs through `npm run test:e2e` with its own config; the
// real-cluster suite in test/cluster through `npm run test:cluster`.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "policy-pack/test/**/*.test.ts"],
    exclude: ["test/e2e/**", "test/cluster/**", "**/node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 240_000,
    pool: "forks",
  },
});
