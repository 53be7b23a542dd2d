// The README's "Run it locally": GitHub's @github/local-action runs the action's source with the
// inputs of .env.example against the local cloud, loaded with the self-test scenario.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scenario } from '../sim/control-client.js';
import { useTestCloud } from './local-cloud-env.js';

const t = useTestCloud();

/** .env.example as committed, pointed at this test's cloud instead of port 4566. */
function envFileFor(url: string): string {
  const example = readFileSync('.env.example', 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'local-action-'));
  const path = join(dir, '.env');
  writeFileSync(path, example.replace(/^AWS_ENDPOINT_URL=.*$/m, `AWS_ENDPOINT_URL=${url}`));
  return path;
}

function runLocalAction(envFile: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/local-action.mjs', envFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true' },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

it('runs the action from .env.example and promotes the scenario release', async () => {
  const scenario = JSON.parse(readFileSync('.github/self-test-scenario.json', 'utf8')) as Scenario;
  await t.control.loadScenario(scenario);
  const { code, stdout } = await runLocalAction(envFileFor(t.cloud.url));
  expect({ code, tail: stdout.slice(-3000) }).toMatchObject({ code: 0 });
  expect(stdout).toMatch(/'result'\s*│\s*'promoted'/);
  const alias = await t.control.alias('orders', 'live');
  expect(alias.FunctionVersion).toBe('2');
  expect(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
  expect((await t.control.writes()).map((w) => w.operation)).toEqual([
    'PublishVersion',
    'UpdateAlias',
    'UpdateAlias',
    'UpdateAlias',
  ]);
}, 120_000);
