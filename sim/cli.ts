/**
 * `npm run local-cloud -- [--port N] [--seed N] [--metric-period S] [--settle-ms MS] [--codedeploy-minute-ms MS] [--scenario file.json]`
 * Starts the local cloud in the foreground and prints the URL it listens on.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadScenario, type Scenario } from './core/scenario.js';
import { startLocalCloud } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4566' },
    seed: { type: 'string' },
    'metric-period': { type: 'string' },
    'settle-ms': { type: 'string' },
    'codedeploy-minute-ms': { type: 'string' },
    scenario: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(
    'usage: npm run local-cloud -- [--port 4566] [--seed 1] [--metric-period 60] [--settle-ms 1000] [--codedeploy-minute-ms 60000] [--scenario file.json]',
  );
  process.exit(0);
}

const number = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a non-negative number, got "${v}"`);
    process.exit(2);
  }
  return n;
};

const cloud = await startLocalCloud({
  port: number(values.port, 'port'),
  seed: number(values.seed, 'seed'),
  metricPeriodSeconds: number(values['metric-period'], 'metric-period'),
  updateSettleMs: number(values['settle-ms'], 'settle-ms'),
  codedeployMinuteMs: number(values['codedeploy-minute-ms'], 'codedeploy-minute-ms'),
});
if (values.scenario) {
  loadScenario(cloud.state, JSON.parse(readFileSync(values.scenario, 'utf8')) as Scenario);
}
console.log(`local cloud listening on ${cloud.url}`);

const stop = (signal: string): void => {
  console.log(`local cloud stopping (${signal})`);
  cloud.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', () => stop('SIGINT'));
process.once('SIGTERM', () => stop('SIGTERM'));
