// Tests assert behaviour, not speed: a generous per-test timeout keeps them green on a loaded
// two-core machine (speed is measured in bench/).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
  },
});
