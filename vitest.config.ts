import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start real registries; two workers suit the 2-core CI machine.
    pool: "forks",
    maxWorkers: 2,
  },
});
