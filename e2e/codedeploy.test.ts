// engine: codedeploy through dist/ against the local cloud: the action creates a CodeDeploy
// deployment of the alias and follows it; the local cloud's CodeDeploy moves the alias by its
// config on a fast clock (CODEDEPLOY_MINUTE_MS), stops on alarms, runs hooks and rolls back as a
// new deployment. The writes log and the local cloud's CodeDeploy state say what really happened.
import { readFileSync } from 'node:fs';
import type { CodeDeployView } from '../sim/control-client.js';
import { useTestCloud, waitFor } from './local-cloud-env.js';
import { newRunnerContext, runStep, startStep, type RunnerContext, type StepResult } from './runner.js';
import {
  ALIAS,
  analysisInputs,
  CODEDEPLOY_APPLICATION,
  CODEDEPLOY_GROUP,
  CODEDEPLOY_ROLE,
  codeDeployInputs,
  codeDeployScenario,
  ERRORS_ALARM,
  FUNCTION,
  hookFunction,
  type CodeDeployScenarioOptions,
} from './scenarios.js';

const t = useTestCloud();

const main = (ctx: RunnerContext, inputs: Record<string, string>) =>
  runStep({ step: 'main', ctx, inputs, env: t.env });
const aliasNow = () => t.control.alias(FUNCTION, ALIAS);
const deployments = async () => Object.values((await t.control.codedeploy()).deployments);
/** The one deployment the action created (creator user), with its rollback when there is one. */
const created = async (): Promise<CodeDeployView['deployments'][string]> => {
  const mine = (await deployments()).filter((d) => d.creator === 'user');
  expect(mine).toHaveLength(1);
  return mine[0]!;
};
/** Every write to the alias, whoever made it (the action's own calls, CodeDeploy's shifts). */
const aliasWrites = async () =>
  (await t.control.writes()).filter((w) => w.operation === 'UpdateAlias').map((w) => w.userAgent ?? '');

/** The scenario loaded and the writes log emptied, so that it shows this run's writes only. */
const load = async (options: CodeDeployScenarioOptions = {}) => {
  await t.control.loadScenario(codeDeployScenario(options));
  await t.control.clearWrites();
};

/** The action's log, shown only when a test fails. */
const logOf = (r: StepResult) => `${r.stdout}\n${r.stderr}`;

describe('engine: codedeploy through dist/', () => {
  it('a canary deployment that succeeds: the alias on the new version, the report with the weights CodeDeploy applied', async () => {
    await load();
    const result = await main(newRunnerContext(), codeDeployInputs());
    expect({ result: result.outputs.result, code: result.code }).toEqual({ result: 'promoted', code: 0 });
    const deployment = await created();
    expect(result.outputs['codedeploy-deployment-id']).toBe(deployment.deploymentId);
    expect(deployment).toMatchObject({
      status: 'Succeeded',
      deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
    });
    expect(await aliasNow()).toMatchObject({ FunctionVersion: '2' });
    // CodeDeploy moved the alias (10%, then all), not the action.
    const writes = await aliasWrites();
    expect(writes).toHaveLength(2);
    for (const w of writes) expect(w).toContain(`codedeploy.amazonaws.com (deployment ${deployment.deploymentId})`);
    const json = JSON.parse(readFileSync(result.outputs.report!, 'utf8'));
    expect(json.record.steps.map((s: { weight: number }) => s.weight)).toEqual([10]);
    expect(json.record.followed).toMatchObject({ id: deployment.deploymentId, state: 'succeeded' });
    expect(result.summary).toContain(deployment.deploymentId);
    expect(result.summary).toMatch(/\| 1 \| 10% \|/);
  }, 60_000);
});
