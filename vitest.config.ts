import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing but Node (npm test); `tools` cross-checks against the
// installed tcpdump, tshark and Scapy (npm run test:tools).
export default defineConfig({
  test: {
    projects: [
      // Generous per-test limits: property suites with 100k-policy cases must not fail on a loaded 2-core machine.
      { test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/tools/**'], testTimeout: 60_000 } },
      { test: { name: 'tools', include: ['test/tools/**/*.test.ts'], testTimeout: 60_000 } },
    ],
    coverage: { provider: 'v8', include: ['src/**/*.ts'], reporter: ['text-summary', 'text'] },
  },
});
