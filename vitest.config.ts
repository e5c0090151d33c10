import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    globalSetup: ["./cli/bundle-setup.ts"],
    testTimeout: 30_000,
  },
});
