// The engine inputs: what fits with engine codedeploy, and what is refused with a message naming
// the input, before anything touches AWS.
import { parseInputs } from '../../../src/inputs.js';

const env = { AWS_REGION: 'us-east-1' };
const codedeploy = {
  'function-name': 'orders',
  engine: 'codedeploy',
  'codedeploy-application': 'shop',
  'codedeploy-deployment-group': 'orders-live',
};
const parsed = (inputs: Record<string, string>) => parseInputs((name) => inputs[name] ?? '', env);

describe('engine inputs', () => {
  it('direct by default, waiting', () => {
    const { inputs, problems } = parsed({ 'function-name': 'orders' });
    expect(problems).toEqual([]);
    expect(inputs.engine).toEqual({ kind: 'direct' });
    expect(inputs.wait).toBe(true);
  });

  it("codedeploy-create's default, as the runner passes it, is no codedeploy input", () => {
    expect(
      parsed({ 'function-name': 'orders', 'codedeploy-create': 'false', wait: 'true' }).problems,
    ).toEqual([]);
    expect(parsed({ 'function-name': 'orders', 'codedeploy-create': 'true' }).problems).toEqual([
      expect.stringMatching(/^Input "codedeploy-create" belongs to "engine: codedeploy"/),
    ]);
  });

  it('codedeploy with its application and group, creating them with a role', () => {
    const { inputs, problems } = parsed({
      ...codedeploy,
      'codedeploy-create': 'true',
      'codedeploy-service-role-arn': 'arn:aws:iam::123456789012:role/codedeploy',
      wait: 'false',
    });
    expect(problems).toEqual([]);
    expect(inputs.engine).toEqual({
      kind: 'codedeploy',
      application: 'shop',
      deploymentGroup: 'orders-live',
      create: true,
      serviceRoleArn: 'arn:aws:iam::123456789012:role/codedeploy',
      deploymentId: undefined,
    });
    expect(inputs.wait).toBe(false);
  });

  it.each([
    [{ engine: 'code-deploy' }, /^Input "engine": "code-deploy" is not an engine\. Accepted: "direct"/],
    [{ 'codedeploy-application': 'shop' }, /^Input "codedeploy-application" belongs to "engine: codedeploy"/],
    [{ wait: 'false' }, /^Input "wait": "false" needs "engine: codedeploy"/],
    [
      { ...codedeploy, 'codedeploy-application': '' },
      /^Input "codedeploy-application" is required with "engine: codedeploy"/,
    ],
    [
      { ...codedeploy, 'codedeploy-create': 'true' },
      /^Input "codedeploy-service-role-arn" is required with "codedeploy-create: true"/,
    ],
    [
      { ...codedeploy, 'codedeploy-create': 'true', 'codedeploy-service-role-arn': 'codedeploy' },
      /is not an IAM role ARN/,
    ],
    [
      { ...codedeploy, 'codedeploy-service-role-arn': 'arn:aws:iam::123456789012:role/x' },
      /set "codedeploy-create: true", or remove it/,
    ],
    [{ ...codedeploy, command: 'start' }, /^Input "command": "start" .* use "wait: false"/],
    [{ ...codedeploy, 'on-existing-split': 'resume' }, /^Input "on-existing-split": "resume" cannot apply/],
    [
      { ...codedeploy, 'codedeploy-deployment-id': 'd-A1B2C3D4E' },
      /"command: deploy" creates a new one: remove it/,
    ],
    [
      { ...codedeploy, command: 'status', 'codedeploy-deployment-id': 'deploy-1' },
      /is not a CodeDeploy deployment id/,
    ],
    [{ ...codedeploy, strategy: '5%:1m, 50%:1m' }, /^Input "strategy": .*not one canary step/],
    [
      { ...codedeploy, 'function-name': 'orders\nbilling' },
      /^Input "function-name": "engine: codedeploy" deploys one function/,
    ],
    [
      { ...codedeploy, alarms: 'errors', 'ignore-firing-alarms': 'true' },
      /^Input "ignore-firing-alarms": "true" cannot apply/,
    ],
    [{ ...codedeploy, alarms: Array.from({ length: 11 }, (_, k) => `a${k}`).join(',') }, /at most 10/],
  ])('%j is refused', (inputs, message) => {
    const { problems } = parsed({ 'function-name': 'orders', ...inputs });
    expect(problems).toEqual([expect.stringMatching(message)]);
  });

  it('engine codedeploy with a stage target is refused, the target named', () => {
    const { problems } = parsed({
      ...codedeploy,
      'function-name': '',
      target: 'api-gateway-stage',
      'rest-api-id': 'abc123',
      stage: 'prod',
    });
    expect(problems).toContainEqual(
      expect.stringMatching(/deploys Lambda aliases only, not target "api-gateway-stage"/),
    );
  });

  it('a later command may name the deployment', () => {
    const { inputs, problems } = parsed({
      ...codedeploy,
      command: 'status',
      'codedeploy-deployment-id': 'd-A1B2C3D4E',
    });
    expect(problems).toEqual([]);
    expect(inputs.engine).toMatchObject({ deploymentId: 'd-A1B2C3D4E' });
  });
});
