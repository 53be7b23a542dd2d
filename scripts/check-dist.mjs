// Fails when dist/ is not exactly what the source builds: builds into a temporary folder and
// compares every file, both ways.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const fresh = mkdtempSync(join(tmpdir(), 'dist-check-'));
try {
  execFileSync(process.execPath, ['scripts/bundle.mjs', fresh], { stdio: 'inherit' });
  const names = new Set([...readdirSync('dist'), ...readdirSync(fresh)]);
  const differing = [...names].filter((name) => {
    try {
      return !readFileSync(join('dist', name)).equals(readFileSync(join(fresh, name)));
    } catch {
      return true;
    }
  });
  if (differing.length > 0) {
    console.error(
      `dist/ is not what the source builds; differing: ${differing.join(', ')}. Run "npm run bundle" and commit dist/.`,
    );
    process.exit(1);
  }
  console.log(`dist/ matches the source (${names.size} files).`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
