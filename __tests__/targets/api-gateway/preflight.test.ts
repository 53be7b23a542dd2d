import { formatMarker } from '../../../src/marker.js';
import { parseStrategy } from '../../../src/strategy.js';
import {
  deploymentDescription,
  prepareStageRelease,
  StagePreflightError,
  type StagePreflightInputs,
} from '../../../src/targets/api-gateway/preflight.js';
import { apigatewayv2Mock, awsError, clients, givenApi, HTTP_API_ID, identity, patches } from './scenario.js';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';

function inputs(overrides: Partial<StagePreflightInputs> = {}): StagePreflightInputs {
  return {
    restApiId: 'a1b2c3d4e5',
    stage: 'prod',
    stageVariables: {},
    useStageCache: false,
    canaryMetricsStage: 'prod/Canary',
    region: 'us-east-1',
    plan: parseStrategy('10%:1m, 50%:1m'),
    onExistingSplit: 'fail',
    dryRun: false,
    commit: COMMIT,
    ...overrides,
  };
}

const prepare = (overrides: Partial<StagePreflightInputs> = {}, signal?: AbortSignal) =>
  prepareStageRelease(clients(), inputs(overrides), identity, signal);

async function refusal(overrides: Partial<StagePreflightInputs> = {}): Promise<StagePreflightError> {
  const error = await prepare(overrides).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StagePreflightError);
  return error as StagePreflightError;
}

/** A canary at 10% left by another run's marker (long finished) on deployment `canaryId`. */
function givenCanary(canaryId: string, description: string) {
  return givenApi(
    {
      canarySettings: { deploymentId: canaryId, percentTraffic: 10, useStageCache: false },
      description: formatMarker({
        state: 'shifting',
        run: 'acme/shop#41.1~old',
        from: 'base01',
        to: canaryId,
        weight: 10,
        plan: '10%:1m, 50%:1m',
        started: '2026-11-01T10:00:00.000Z',
        by: 'hubot',
      }),
    },
    [{ id: canaryId, description }],
  );
}

describe('prepareStageRelease', () => {
  it('plans a new deployment, made by the first step, and writes nothing itself', async () => {
    const world = givenApi();
    const release = await prepare();
    expect(release).toMatchObject({
      kind: 'release',
      api: { id: 'a1b2c3d4e5', name: 'orders' },
      previousDeploymentId: 'base01',
      canary: { kind: 'create', description: `serverless-canary: commit 0123456789ab, run ${identity.run}` },
      firstStep: 0,
      changes: [],
    });
    expect(world.writes).toEqual([]);
  });

  it('refuses an HTTP API id, saying stage canaries are REST-only and to shift the Lambda alias', async () => {
    const world = givenApi();
    const error = await refusal({ restApiId: HTTP_API_ID });
    expect(error.input).toBe('rest-api-id');
    expect(error.message).toBe(
      `Input "rest-api-id": ${HTTP_API_ID} is an HTTP API (API Gateway v2), and stage canaries exist only for REST APIs. ` +
        'To release behind it a slice of traffic at a time, shift the Lambda alias its integration invokes instead: "target: lambda-alias" with "function-name" and "alias".',
    );
    expect(world.writes).toEqual([]);
  });

  it('refuses a WebSocket API id the same way', async () => {
    givenApi();
    apigatewayv2Mock.reset();
    apigatewayv2Mock.resolves({ ApiId: 'w1s2o3c4k5', ProtocolType: 'WEBSOCKET' });
    expect((await refusal({ restApiId: 'w1s2o3c4k5' })).message).toMatch(
      /^Input "rest-api-id": w1s2o3c4k5 is a WebSocket API \(API Gateway v2\), and stage canaries exist only for REST APIs/,
    );
  });

  it('says when no API of either kind has the id in the region', async () => {
    givenApi();
    expect((await refusal({ restApiId: 'zzzzzzzzzz' })).message).toBe(
      'Input "rest-api-id": there is no REST API zzzzzzzzzz in us-east-1. Check the id (the API\'s id, not its name) and the region.',
    );
  });

  it('does not take a denied v2 look-up for a missing API', async () => {
    givenApi();
    apigatewayv2Mock.reset();
    apigatewayv2Mock.rejects(awsError('AccessDeniedException', 403, 'denied'));
    await expect(prepare({ restApiId: 'zzzzzzzzzz' })).rejects.toThrow(
      'lack the IAM permission apigateway:GET on arn:aws:apigateway:us-east-1::/apis/zzzzzzzzzz',
    );
  });

  it('names the stages there are when the stage does not exist', async () => {
    givenApi();
    const error = await refusal({ stage: 'production' });
    expect(error.input).toBe('stage');
    expect(error.message).toMatch(
      /^Input "stage": REST API a1b2c3d4e5 has no stage "production"; its stages are "prod"\./,
    );
  });

  it('checks a given deployment exists', async () => {
    givenApi();
    const error = await refusal({ deploymentId: 'nope42' });
    expect(error.input).toBe('deployment-id');
    expect(error.message).toMatch(/^Input "deployment-id": REST API a1b2c3d4e5 has no deployment nope42\./);
  });

  it('is no change when the given deployment is the one the stage serves', async () => {
    givenApi();
    expect(await prepare({ deploymentId: 'base01' })).toMatchObject({
      kind: 'no-change',
      reason: 'stage prod of REST API a1b2c3d4e5 already serves deployment base01',
    });
  });

  it('attaches a given deployment with the first step', async () => {
    givenApi({}, [{ id: 'dep777' }]);
    expect(await prepare({ deploymentId: 'dep777' })).toMatchObject({
      canary: { kind: 'attach', deploymentId: 'dep777' },
    });
  });

  describe('a canary already attached', () => {
    it('fail: refuses, naming the run that left it', async () => {
      const world = givenCanary('old555', 'older release');
      const error = await refusal();
      expect(error.input).toBe('on-existing-split');
      expect(error.message).toMatch(
        /^stage prod of REST API a1b2c3d4e5 \(orders\) already has a canary: 10% on canary deployment old555, the rest on deployment base01; .*It was left by run acme\/shop#41\.1~old by hubot .*set "on-existing-split: rollback" to remove it first, or "resume"/,
      );
      expect(world.writes).toEqual([]);
    });

    it('rollback: removes it first (guarded, marked), then releases from the stage as it is', async () => {
      const world = givenCanary('old555', 'older release');
      const release = await prepare({ onExistingSplit: 'rollback' });
      expect(patches(world).map((ops) => ops.filter((o) => o.path !== '/description'))).toEqual([
        [{ op: 'remove', path: '/canarySettings' }],
      ]);
      expect(world.stage!.canarySettings).toBeUndefined();
      expect(release).toMatchObject({
        kind: 'release',
        canary: { kind: 'create' },
        firstStep: 0,
        changes: ['removing the canary of deployment old555 from stage prod'],
      });
      if (release.kind === 'release') expect(release.stage.canary).toBeUndefined();
    });

    it("resume: continues this commit's canary from the first step above its percent", async () => {
      const world = givenCanary('old555', deploymentDescription(COMMIT, 'acme/shop#41.1~old'));
      const release = await prepare({ onExistingSplit: 'resume' });
      expect(release).toMatchObject({
        kind: 'release',
        canary: { kind: 'attached', deploymentId: 'old555' },
        firstStep: 1,
      });
      expect(world.writes).toEqual([]);
    });

    it("resume: refuses another commit's canary", async () => {
      givenCanary('old555', deploymentDescription('ffffffffffffffff', 'acme/shop#41.1~old'));
      const error = await refusal({ onExistingSplit: 'resume' });
      expect(error.message).toMatch(
        /^Cannot resume: the canary on .* is deployment old555 \(".*commit ffffffffffff.*"\), which was not made for this commit \(0123456789ab\)\. Use "on-existing-split: rollback"/,
      );
    });

    it('resume: with a deployment-id, resumes only that deployment', async () => {
      givenCanary('old555', 'x');
      await expect(prepare({ onExistingSplit: 'resume', deploymentId: 'old555' })).resolves.toMatchObject({
        canary: { kind: 'attached', deploymentId: 'old555' },
      });
      world2();
      const error = await refusal({ onExistingSplit: 'resume', deploymentId: 'dep777' });
      expect(error.message).toMatch(
        /^Cannot resume: the canary on .* is deployment old555, but this release is for deployment dep777\./,
      );
    });

    it('refuses one that another run may still be moving, whatever the policy', async () => {
      const world = givenApi({
        canarySettings: { deploymentId: 'old555', percentTraffic: 10 },
        description: formatMarker({
          state: 'shifting',
          run: 'acme/shop#43.1~live',
          from: 'base01',
          to: 'old555',
          weight: 10,
          plan: '10%:1h',
          started: identity.started,
          by: 'hubot',
        }),
      });
      const error = await refusal({ onExistingSplit: 'rollback' });
      expect(error.message).toMatch(/may still be running .*Two releases never move one stage at once/);
      expect(world.writes).toEqual([]);
    });

    it('dry run: says what would apply and which writes it would make, and makes none', async () => {
      const world = givenCanary('old555', 'older release');
      const release = await prepare({ onExistingSplit: 'rollback', dryRun: true });
      expect(world.writes).toEqual([]);
      expect(release.kind === 'release' && release.writes).toEqual([
        'UpdateStage: remove /canarySettings (the canary found on the stage)',
        "CreateDeployment: a new deployment of the API's current state as the canary at 10% (description naming the commit and run)",
        'UpdateStage: replace /canarySettings/percentTraffic "10" and /description (the marker)',
        'UpdateStage: replace /canarySettings/percentTraffic "50" and /description (the marker)',
        'UpdateStage: promote (percentTraffic "0", copy the canary\'s deploymentId and stage-variable overrides onto the stage)',
        'UpdateStage: remove /canarySettings',
      ]);
      expect(release.notes).toContain(
        'The stage has a canary (10% on canary deployment old555, the rest on deployment base01; marker: run acme/shop#41.1~old (base01 → old555, shifting at 10%)); "on-existing-split: rollback" would apply.',
      );
    });
  });

  it('cancelled before its write: removes nothing', async () => {
    const world = givenCanary('old555', 'older release');
    const controller = new AbortController();
    controller.abort('cancelled by SIGINT');
    await expect(prepare({ onExistingSplit: 'rollback' }, controller.signal)).rejects.toThrow(
      'cancelled by SIGINT before any change to the stage',
    );
    expect(world.writes).toEqual([]);
  });
});

/** A canary of deployment old555, with dep777 also deployed. */
function world2() {
  return givenApi({ canarySettings: { deploymentId: 'old555', percentTraffic: 10 } }, [
    { id: 'old555' },
    { id: 'dep777' },
  ]);
}
