// `npm run local-action [-- ENV_FILE]`: runs the action's TypeScript source with GitHub's
// @github/local-action (which stands in for @actions/core and reads the inputs from a dotenv
// file, .env.example by default), under the Node 24 that the `node` package provides: the tool
// needs Node 22 or later, and action.yml declares node24.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { delimiter, dirname } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const require = createRequire(import.meta.url);
const node24 = require.resolve('node/bin/node');
// The package exports no path to its bin; it sits in this project's own node_modules.
const tool = fileURLToPath(
  new URL('../node_modules/@github/local-action/bin/local-action.js', import.meta.url),
);
const envFile = process.argv[2] ?? '.env.example';
const { status, error } = spawnSync(node24, [tool, 'run', '.', 'src/main.ts', envFile], {
  stdio: 'inherit',
  env: { ...process.env, PATH: `${dirname(node24)}${delimiter}${process.env.PATH ?? ''}` },
});
if (error) throw error;
process.exit(status ?? 1);
