import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { LocalCloudControl } from '../control-client.js';
import { startLocalCloud } from '../server.js';

it('the CLI prints its URL, serves, and stops on SIGTERM', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'sim/cli.ts', '--port', '0', '--metric-period', '5'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 15000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /local cloud listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
  });
  const state = await new LocalCloudControl(url).state();
  expect(state['options']).toMatchObject({ metricPeriodSeconds: 5 });
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
});

describe('in-process server', () => {
  it('answers unknown paths with 404 and serves the control API', async () => {
    const cloud = await startLocalCloud({ seed: 7 });
    try {
      expect(cloud.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${cloud.url}/nothing-here`)).status).toBe(404);
      expect((await fetch(`${cloud.url}/_control/nothing`)).status).toBe(404);
      const control = new LocalCloudControl(cloud.url);
      await control.loadScenario({
        functions: [
          { name: 'orders', versions: [{ version: '1' }], aliases: [{ name: 'live', version: '1' }] },
        ],
      });
      expect(await control.alias('orders', 'live')).toMatchObject({ Name: 'live', FunctionVersion: '1' });
      await expect(control.alias('orders', 'nope')).rejects.toThrow(/404/);
      await expect(
        control.loadScenario({
          functions: [
            { name: 'bad', versions: [{ version: '1' }], aliases: [{ name: 'live', version: '9' }] },
          ],
        }),
      ).rejects.toThrow(/400.*Invalid scenario: Function not found/);
      expect([...cloud.state.lambda.functions.keys()]).toEqual(['orders']);
    } finally {
      await cloud.close();
    }
  });
});
