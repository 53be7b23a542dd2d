// CodeDeploy's calls where the service answers what the local cloud rarely shows: a deployment
// that started in the group between the check and CreateDeployment, and a custom config found
// with the same name but another shape.
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { appSpecRevision } from '../../../src/targets/codedeploy/appspec.js';
import {
  ActiveDeploymentError,
  createDeployment,
  deploymentAlarms,
  ensureConfig,
  latestDeploymentId,
} from '../../../src/targets/codedeploy/aws.js';
import { deploymentConfigFor } from '../../../src/targets/codedeploy/config.js';
import { parseStrategy } from '../../../src/strategy.js';

const cd = mockClient(CodeDeployClient);
const client = () => new CodeDeployClient({ region: 'us-east-1' });
const group = { application: 'shop', deploymentGroup: 'orders-live', region: 'us-east-1' };
const awsError = (name: string, message: string) =>
  Object.assign(new Error(message), { name, $metadata: {} });

beforeEach(() => cd.reset());

describe('createDeployment', () => {
  it('sends the AppSpec, the config, the alarms and automatic rollback on failure, alarm and stop', async () => {
    cd.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-AAAAAAAAA' });
    const revision = appSpecRevision({
      functionName: 'orders',
      alias: 'live',
      currentVersion: '1',
      targetVersion: '2',
    });
    const id = await createDeployment(client(), {
      group,
      revision,
      configName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      alarms: ['orders-errors'],
      description: 'release',
    });
    expect(id).toBe('d-AAAAAAAAA');
    expect(cd.commandCalls(CreateDeploymentCommand)[0]!.args[0].input).toEqual({
      applicationName: 'shop',
      deploymentGroupName: 'orders-live',
      deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      revision,
      description: 'release',
      overrideAlarmConfiguration: { enabled: true, alarms: [{ name: 'orders-errors' }] },
      autoRollbackConfiguration: {
        enabled: true,
        events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'],
      },
    });
  });

  it('DeploymentLimitExceededException names the deployment that is active, and its status', async () => {
    cd.on(CreateDeploymentCommand).rejects(
      awsError(
        'DeploymentLimitExceededException',
        "The Deployment Group 'orders-live' already has an active Deployment",
      ),
    );
    cd.on(ListDeploymentsCommand).resolves({ deployments: ['d-BBBBBBBBB'] });
    cd.on(GetDeploymentCommand).resolves({
      deploymentInfo: { deploymentId: 'd-BBBBBBBBB', status: 'Baking' },
    });
    const creating = createDeployment(client(), {
      group,
      revision: appSpecRevision({
        functionName: 'orders',
        alias: 'live',
        currentVersion: '1',
        targetVersion: '2',
      }),
      configName: 'CodeDeployDefault.LambdaAllAtOnce',
      alarms: [],
      description: 'release',
    });
    await expect(creating).rejects.toBeInstanceOf(ActiveDeploymentError);
    await expect(creating).rejects.toThrow(
      'deployment group orders-live of CodeDeploy application shop already has an active deployment, d-BBBBBBBBB (Baking)',
    );
  });
});

describe('ensureConfig', () => {
  const custom = deploymentConfigFor(parseStrategy('canary 20% 3m'));

  it('creates a missing custom config for Lambda with its routing', async () => {
    cd.on(GetDeploymentConfigCommand).rejects(awsError('DeploymentConfigDoesNotExistException', 'No config'));
    cd.on(CreateDeploymentConfigCommand).resolves({ deploymentConfigId: 'x' });
    expect(await ensureConfig(client(), custom, 'us-east-1')).toBe(
      'created deployment config ServerlessCanary.Canary20Percent3Minutes',
    );
    expect(cd.commandCalls(CreateDeploymentConfigCommand)[0]!.args[0].input).toEqual({
      deploymentConfigName: 'ServerlessCanary.Canary20Percent3Minutes',
      computePlatform: 'Lambda',
      trafficRoutingConfig: {
        type: 'TimeBasedCanary',
        timeBasedCanary: { canaryPercentage: 20, canaryInterval: 3 },
      },
    });
  });

  it('reuses one of the same shape, and refuses one of that name that routes otherwise', async () => {
    cd.on(GetDeploymentConfigCommand).resolves({
      deploymentConfigInfo: { trafficRoutingConfig: custom.routing },
    });
    expect(await ensureConfig(client(), custom, 'us-east-1')).toBe(
      'reused deployment config ServerlessCanary.Canary20Percent3Minutes',
    );
    cd.on(GetDeploymentConfigCommand).resolves({
      deploymentConfigInfo: {
        trafficRoutingConfig: {
          type: 'TimeBasedCanary',
          timeBasedCanary: { canaryPercentage: 20, canaryInterval: 5 },
        },
      },
    });
    await expect(ensureConfig(client(), custom, 'us-east-1')).rejects.toThrow(
      /exists but routes .*canaryInterval":5.*, not the strategy's/,
    );
    expect(cd.commandCalls(CreateDeploymentConfigCommand)).toHaveLength(0);
  });

  it('asks nothing for a predefined config', async () => {
    expect(
      await ensureConfig(client(), deploymentConfigFor(parseStrategy('AllAtOnce')), 'us-east-1'),
    ).toBeUndefined();
    expect(cd.calls()).toHaveLength(0);
  });
});

describe('latestDeploymentId', () => {
  const lastAttempted = (deploymentId: string) =>
    cd.on(GetDeploymentGroupCommand).resolves({
      deploymentGroupInfo: { lastAttemptedDeployment: { deploymentId } },
    });

  it("names the deployment CodeDeploy's rollback undid, not the rollback", async () => {
    lastAttempted('d-ROLLBACK0');
    cd.on(GetDeploymentCommand, { deploymentId: 'd-ROLLBACK0' }).resolves({
      deploymentInfo: {
        deploymentId: 'd-ROLLBACK0',
        creator: 'codeDeployRollback',
        rollbackInfo: { rollbackTriggeringDeploymentId: 'd-RELEASE00' },
      },
    });
    expect(await latestDeploymentId(client(), group)).toBe('d-RELEASE00');
  });

  it('names the last attempted deployment when a user made it', async () => {
    lastAttempted('d-RELEASE00');
    cd.on(GetDeploymentCommand, { deploymentId: 'd-RELEASE00' }).resolves({
      deploymentInfo: { deploymentId: 'd-RELEASE00', creator: 'user' },
    });
    expect(await latestDeploymentId(client(), group)).toBe('d-RELEASE00');
  });
});

describe('deploymentAlarms', () => {
  const groupAlarms = (enabled: boolean, names: string[]) =>
    cd.on(GetDeploymentGroupCommand).resolves({
      deploymentGroupInfo: { alarmConfiguration: { enabled, alarms: names.map((name) => ({ name })) } },
    });

  it("adds the group's enabled alarms to the inputs' (the override replaces them), once each", async () => {
    groupAlarms(true, ['group-latency', 'errors']);
    expect(await deploymentAlarms(client(), group, ['errors'])).toEqual({
      alarms: ['errors', 'group-latency'],
      fromGroup: ['group-latency'],
      left: [],
    });
  });

  it('keeps at most 10, the inputs first, and names those left out', async () => {
    const inputs = Array.from({ length: 9 }, (_, i) => `in-${i}`);
    groupAlarms(true, ['g-1', 'g-2']);
    expect(await deploymentAlarms(client(), group, inputs)).toEqual({
      alarms: [...inputs, 'g-1'],
      fromGroup: ['g-1'],
      left: ['g-2'],
    });
  });

  it("leaves a group's disabled alarms out", async () => {
    groupAlarms(false, ['g-1']);
    expect((await deploymentAlarms(client(), group, ['errors'])).alarms).toEqual(['errors']);
  });
});
