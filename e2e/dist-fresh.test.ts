// dist/ must be exactly what `npm run bundle` builds from the committed source.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

it('dist/ is what the source builds', () => {
  const output = execFileSync(process.execPath, ['scripts/check-dist.mjs'], {
    cwd: resolve(import.meta.dirname, '..'),
    encoding: 'utf8',
    // Kept, not inherited: the child's stderr is shown in the error when the check fails.
    stdio: 'pipe',
  });
  expect(output).toMatch(/dist\/ matches the source \(3 files\)/);
}, 120_000);
