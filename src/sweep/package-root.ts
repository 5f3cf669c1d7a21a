// The installed package's root folder (where package.json, dist/ and build/ live), found from this
// module's location whether it runs compiled (dist/sweep), bundled (dist/cli-bundle) or as source.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: { dir: string; version: string } | null = null;

export function packageRoot(): { dir: string; version: string } {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'dynosim') return (root = { dir, version: pkg.version ?? 'unknown' });
    } catch {
      // keep climbing
    }
    const up = path.dirname(dir);
    if (up === dir) return (root = { dir: process.cwd(), version: 'unknown' });
    dir = up;
  }
}
