// The bundle as the runner runs it, before the local cloud is involved: bad input fails the step
// with a message naming the input and makes no AWS write; the only calls are the reads that
// check the other inputs (does the function, the version, the alarm exist?), so that every
// problem is reported at once.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newRunnerContext, runStep } from './runner.js';

let server: Server;
let requests: string[] = [];
let endpoint = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const target = req.headers['x-amz-target'];
    requests.push(`${req.method} ${req.url}${target ? ` ${String(target)}` : ''}`);
    res.writeHead(500).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => (requests = []));

/** Lambda reads are GETs (REST); the one CloudWatch call the inputs need is DescribeAlarms. */
const onlyReads = () =>
  requests.every((r) => r.startsWith('GET /2015-03-31/') || r.endsWith('.DescribeAlarms'));

const awsEnv = () => ({
  AWS_ENDPOINT_URL: endpoint,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
});

describe('dist/index.js under the runner contract', () => {
  it('a missing required input exits 1, names the input, and writes nothing', async () => {
    const ctx = newRunnerContext();
    const result = await runStep({ step: 'main', ctx, env: awsEnv(), inputs: { alarms: 'errors' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/::error::2 problems found:%0A- Input "function-name" is required/);
    // The alarm was looked up, and the failing look-up is listed with the problems.
    expect(result.stdout).toContain(
      '- Not every input could be checked against AWS: Could not read the state of alarms errors',
    );
    expect(result.outputs.result).toBe('failed');
    expect(requests.length).toBeGreaterThan(0);
    expect(onlyReads()).toBe(true);
    requests = [];
    // Nothing saved: the post step then has nothing to do, and says so without calling AWS.
    expect(result.state).toEqual({});
    const post = await runStep({ step: 'post', ctx, env: awsEnv() });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain('Post step: nothing to do');
    expect(requests).toEqual([]);
  });

  it('several bad inputs are all reported at once, still with no AWS write', async () => {
    const ctx = newRunnerContext();
    const result = await runStep({
      step: 'main',
      ctx,
      env: awsEnv(),
      inputs: { 'function-name': 'orders', strategy: 'canary 10%', 'poll-interval': 'often', alias: '42' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Input "alias": "42"/);
    expect(result.stdout).toMatch(/Input "strategy"/);
    expect(result.stdout).toMatch(/Input "poll-interval": "often"/);
    expect(onlyReads()).toBe(true);
  });

  it('an unreachable or failing AWS fails the step with what it was doing and a hint', async () => {
    const ctx = newRunnerContext();
    const result = await runStep({
      step: 'main',
      ctx,
      env: awsEnv(),
      inputs: { 'function-name': 'orders', alarms: 'errors' },
    });
    expect(result.code).toBe(1);
    expect(result.outputs.result).toBe('failed');
    expect(result.outputs.reason).toMatch(/^Could not read version \$LATEST of function orders: /);
    expect(requests.length).toBeGreaterThan(0);
    expect(onlyReads()).toBe(true);
    expect(result.summary).toContain('Failed before any change');
  });
});
