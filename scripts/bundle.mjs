// Builds the action with ncc, as ESM: <out>/index.js (main step) and <out>/post.js (post step).
// Usage: node scripts/bundle.mjs [outDir]   (default dist)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const outDir = process.argv[2] ?? 'dist';
const entries = { index: 'src/index.ts', post: 'src/post-entry.ts' };
const ncc = join('node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
for (const [name, entry] of Object.entries(entries)) {
  const build = join(outDir, `.build-${name}`);
  execFileSync(
    process.execPath,
    [
      ncc,
      'build',
      entry,
      '-o',
      build,
      '--minify',
      '--no-source-map-register',
      '--quiet',
      '--target',
      'es2022',
    ],
    {
      stdio: 'inherit',
    },
  );
  for (const file of readdirSync(build)) {
    renameSync(join(build, file), join(outDir, file === 'index.js' ? `${name}.js` : file));
  }
  rmSync(build, { recursive: true, force: true });
}
