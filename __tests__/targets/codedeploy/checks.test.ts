// The codedeploy engine's read-only input checks against a mocked CodeDeploy: a custom config of
// the strategy's name that routes otherwise is refused here, before any write.
import {
  CodeDeployClient,
  GetApplicationCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { parseStrategy } from '../../../src/strategy.js';
import { codeDeployInputProblems } from '../../../src/targets/codedeploy/checks.js';

const cd = mockClient(CodeDeployClient);
const engine = { kind: 'codedeploy', application: 'shop', deploymentGroup: 'orders-live', create: false };
const signal = new AbortController().signal;

beforeEach(() => {
  cd.reset();
  cd.on(GetApplicationCommand).resolves({ application: { computePlatform: 'Lambda' } });
  cd.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: {} });
  cd.on(ListDeploymentsCommand).resolves({ deployments: [] });
});

const problems = () =>
  codeDeployInputProblems(
    new CodeDeployClient({ region: 'us-east-1' }),
    engine as never,
    'deploy',
    'us-east-1',
    signal,
    parseStrategy('canary 20% 3m'),
  );

describe('codeDeployInputProblems', () => {
  it("refuses a custom config of the strategy's name that routes otherwise, naming the strategy", async () => {
    cd.on(GetDeploymentConfigCommand).resolves({
      deploymentConfigInfo: {
        trafficRoutingConfig: {
          type: 'TimeBasedLinear',
          timeBasedLinear: { linearPercentage: 20, linearInterval: 3 },
        },
      },
    });
    const found = await problems();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^Input "strategy": Deployment config ServerlessCanary\.Canary20Percent3Minutes exists but routes/,
    );
  });

  it('finds nothing when the config is missing (it is created later) or routes the same', async () => {
    cd.on(GetDeploymentConfigCommand).rejects(
      Object.assign(new Error('no such config'), {
        name: 'DeploymentConfigDoesNotExistException',
        $metadata: {},
      }),
    );
    expect(await problems()).toEqual([]);
    cd.on(GetDeploymentConfigCommand).resolves({
      deploymentConfigInfo: {
        trafficRoutingConfig: {
          type: 'TimeBasedCanary',
          timeBasedCanary: { canaryPercentage: 20, canaryInterval: 3 },
        },
      },
    });
    expect(await problems()).toEqual([]);
  });
});
