// Tests assert behaviour, not speed: one generous per-test timeout keeps them green on a loaded
// two-core machine (speed is measured in bench/). Tests set no timeouts of their own, so the
// sanitizer job's `--testTimeout` (instrumented code runs several times slower) governs them all.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 180_000,
  },
});
