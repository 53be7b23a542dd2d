import { GetDeploymentCommand } from '@aws-sdk/client-api-gateway';
import { formatMarker, type MarkerState } from '../../../src/marker.js';
import type { StageState } from '../../../src/targets/api-gateway/aws.js';
import {
  decideFromStage,
  inspectStageForPost,
  parseSavedStage,
  type SavedStageRollout,
} from '../../../src/targets/api-gateway/state.js';
import { apigatewayMock, clients, givenApi, identity } from './scenario.js';

const saved: SavedStageRollout = {
  target: 'api-gateway-stage',
  restApiId: 'a1b2c3d4e5',
  stage: 'prod',
  region: 'us-east-1',
  previousDeploymentId: 'base01',
  canaryDeploymentId: 'new001',
  run: identity.run,
};

function markerOf(run: string, state: MarkerState, weight = 10) {
  const text = formatMarker({ ...identity, run, state, from: 'base01', to: 'new001', weight });
  return { description: text, marker: { ...identity, run, state, from: 'base01', to: 'new001', weight } };
}

function stage(overrides: Partial<StageState> = {}): StageState {
  return {
    deploymentId: 'base01',
    canary: { deploymentId: 'new001', percent: 10, stageVariableOverrides: {}, useStageCache: false },
    variables: {},
    ...markerOf(identity.run, 'shifting'),
    ...overrides,
  };
}

describe('decideFromStage', () => {
  const scenarios: [string, StageState, SavedStageRollout, 'nothing' | 'rollback', RegExp][] = [
    [
      "this run's canary, shifting",
      stage(),
      saved,
      'rollback',
      /stopped with the canary \(deployment new001\) at 10%/,
    ],
    [
      'this run already promoted',
      stage({ canary: undefined, deploymentId: 'new001', ...markerOf(identity.run, 'promoted', 100) }),
      saved,
      'nothing',
      /already promoted/,
    ],
    [
      'this run already rolled back',
      stage({ canary: undefined, ...markerOf(identity.run, 'rolled-back', 0) }),
      saved,
      'nothing',
      /already rolled back/,
    ],
    [
      "another run's marker",
      stage(markerOf('acme/shop#99.1~zzz', 'shifting')),
      saved,
      'nothing',
      /last written by run acme\/shop#99\.1~zzz, not by this run/,
    ],
    [
      'our marker but the stage moved',
      stage({ deploymentId: 'other9' }),
      saved,
      'nothing',
      /serves deployment other9, not this run's previous deployment base01/,
    ],
    [
      'killed before the marker: our saved canary',
      stage({ description: 'Production', marker: undefined }),
      saved,
      'rollback',
      /right after creating the canary \(deployment new001, 10%\), before its marker/,
    ],
    [
      "killed before the marker, over an earlier run's promoted marker: our saved canary",
      stage(markerOf('acme/shop#99.1~zzz', 'promoted', 100)),
      saved,
      'rollback',
      /right after creating the canary \(deployment new001, 10%\), before its marker/,
    ],
    [
      "an earlier run's promoted marker and a canary that is not ours",
      stage({
        ...markerOf('acme/shop#99.1~zzz', 'promoted', 100),
        canary: { deploymentId: 'xyz999', percent: 10, stageVariableOverrides: {}, useStageCache: false },
      }),
      saved,
      'nothing',
      /no canary of this run/,
    ],
    [
      "killed before the marker: someone else's canary",
      stage({
        description: 'Production',
        marker: undefined,
        canary: { deploymentId: 'xyz999', percent: 10, stageVariableOverrides: {}, useStageCache: false },
      }),
      saved,
      'nothing',
      /no canary of this run/,
    ],
  ];
  it.each(scenarios)('%s', (_name, found, savedState, action, why) => {
    const decision = decideFromStage(savedState, found);
    expect(decision.action).toBe(action);
    expect(decision.why).toMatch(why);
  });

  it('knows its canary by the deployment description when the id was never saved', () => {
    const unsaved = { ...saved, canaryDeploymentId: undefined };
    const unmarked = stage({ description: 'Production', marker: undefined });
    expect(
      decideFromStage(unsaved, unmarked, `serverless-canary: commit abc, run ${identity.run}`).action,
    ).toBe('rollback');
    expect(
      decideFromStage(unsaved, unmarked, 'serverless-canary: commit abc, run acme/shop#7.1~other').action,
    ).toBe('nothing');
    expect(decideFromStage(unsaved, unmarked).action).toBe('nothing');
  });
});

describe('inspectStageForPost', () => {
  it('reads the canary deployment only when only it can tell', async () => {
    const world = givenApi({ canarySettings: { deploymentId: 'new001', percentTraffic: 10 } }, [
      { id: 'new001', description: `serverless-canary: commit abc, run ${identity.run}` },
    ]);
    const result = await inspectStageForPost(clients().apigateway, {
      ...saved,
      canaryDeploymentId: undefined,
    });
    expect(result.decision.action).toBe('rollback');
    expect(apigatewayMock.commandCalls(GetDeploymentCommand)).toHaveLength(1);
    apigatewayMock.resetHistory();
    world.stage!.description = markerOf(identity.run, 'shifting').description;
    expect((await inspectStageForPost(clients().apigateway, saved)).decision.action).toBe('rollback');
    expect(apigatewayMock.commandCalls(GetDeploymentCommand)).toHaveLength(0);
  });
});

describe('parseSavedStage', () => {
  it('reads back what was saved, and nothing else', () => {
    expect(parseSavedStage(JSON.stringify(saved))).toEqual(saved);
    expect(parseSavedStage(JSON.stringify({ ...saved, target: 'lambda-alias' }))).toBeUndefined();
    expect(parseSavedStage(JSON.stringify({ ...saved, previousDeploymentId: '' }))).toBeUndefined();
    expect(parseSavedStage('{not json')).toBeUndefined();
    expect(parseSavedStage('')).toBeUndefined();
  });
});
