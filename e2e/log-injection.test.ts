// Workflow commands in every field the action reads from AWS, git and the event reach the log of
// the bundled action, main step and post step, as text: parsed as the runner parses them, the
// only commands in the output are the ones the action issues itself.
import { formatMarker } from '../src/marker.js';
import type { Scenario } from '../sim/control-client.js';
import { useTestCloud, waitFor } from './local-cloud-env.js';
import { JOB_TOKEN, newRunnerContext, runStep, startStep, type StepResult } from './runner.js';
import { CreateDeploymentCommand, UpdateStageCommand } from '@aws-sdk/client-api-gateway';
import {
  ALIAS,
  apiGatewayClient,
  buildRestApi,
  ERRORS_ALARM,
  FUNCTION,
  lambdaScenario,
  STAGE,
  stageInputs,
  stageScenario,
  pullRequestEvent,
  pullRequestEnv,
  releaseInputs,
} from './scenarios.js';
import { workflowCommands } from '../__tests__/support/workflow-commands.js';

/** Commands on lines of their own, as a field holding real line breaks would carry them. */
const injected = (field: string) =>
  `\n::error title=injected::PWNED-${field}\n::stop-commands::x\n##[error]x\n::add-mask::orders\r::set-output name=result::promoted`;
/** The same on one line, for fields that cannot hold a line break (alarm names). */
const inline = (field: string) => `::error title=injected::PWNED-${field} ##[add-mask]orders`;

const GATE_ALARM = `orders-errors ${inline('alarm-name')}`;
const FIRING_ALARM = `${inline('firing-alarm-name')} firing`;

/** What the action may issue itself: annotations, groups and the mask of its token. */
const OWN_COMMANDS = ['warning', 'error', 'notice', 'group', 'endgroup', 'add-mask'];

function expectOnlyOwnCommands(result: StepResult): void {
  for (const output of [result.stdout, result.stderr]) {
    for (const command of workflowCommands(output)) {
      expect(command.form).toBe('command');
      expect(OWN_COMMANDS).toContain(command.name);
      expect(Object.keys(command.properties).filter((key) => key !== 'title')).toEqual([]);
      expect(command.properties.title ?? '').not.toContain('injected');
      if (command.name === 'add-mask') expect(command.data).toBe(JOB_TOKEN);
    }
  }
}

/** The step's failure: the one error annotation in its output. */
function failureOf(result: StepResult): string {
  const errors = workflowCommands(result.stdout).filter((c) => c.name === 'error');
  expect(errors).toHaveLength(1);
  return errors[0]!.data;
}

const t = useTestCloud();

const weightsOf = async () =>
  (await t.control.alias(FUNCTION, ALIAS)).RoutingConfig?.AdditionalVersionWeights ?? {};

/** The usual scenario with its alarm renamed, and a second alarm of that name already firing. */
function hostileAlarmsScenario(): Scenario {
  const scenario = lambdaScenario({ canaryErrorRate: 0 });
  const gate = { ...scenario.alarms![0]!, AlarmName: GATE_ALARM };
  const firing = {
    ...gate,
    AlarmName: FIRING_ALARM,
    StateValue: 'ALARM' as const,
    StateReason: `Threshold Crossed${injected('firing-reason')}`,
  };
  return { ...scenario, alarms: [gate, firing] };
}

/** A split of version 2 at 20% left by another run, whose marker carries commands. */
function hostileSplitScenario(): Scenario {
  const scenario = lambdaScenario();
  const fn = scenario.functions![0]!;
  const description = formatMarker({
    state: 'shifting',
    run: `evil/repo#1.1${injected('marker-run')}`,
    from: '1',
    to: '2',
    weight: 20,
    plan: `10%:1m${injected('marker-plan')}`,
    started: new Date().toISOString(),
    by: `mallory${injected('marker-by')}`,
  });
  expect(description).toContain('PWNED-marker-run');
  return {
    ...scenario,
    functions: [
      {
        ...fn,
        versions: [...fn.versions!, fn.latest!],
        aliases: [{ name: ALIAS, version: '1', weights: { '2': 0.2 }, description }],
      },
    ],
  };
}

describe('workflow commands in what the action reads', () => {
  it('alarm names and reasons, the actor, branch names, pull request and commit: text in the main and post steps', async () => {
    await t.control.loadScenario(hostileAlarmsScenario());
    const ctx = newRunnerContext({
      ...pullRequestEvent,
      pull_request: {
        ...pullRequestEvent.pull_request,
        title: `Faster orders${injected('pr-title')}`,
        head: { ...pullRequestEvent.pull_request.head, ref: `feature/x${injected('head-ref')}` },
      },
      head_commit: { message: `Faster orders${injected('commit-message')}` },
    });
    const env = {
      ...t.env,
      ...pullRequestEnv,
      GITHUB_ACTOR: `mallory${injected('actor')}`,
      GITHUB_REF: `refs/heads/x${injected('ref')}`,
      GITHUB_HEAD_REF: `feature/x${injected('head-ref')}`,
    };
    const inputs = releaseInputs({
      alarms: `${GATE_ALARM}, ${FIRING_ALARM}`,
      'ignore-firing-alarms': 'true',
      strategy: '20%:60s',
    });
    const step = startStep({ step: 'main', ctx, inputs, env });
    await waitFor('the split', async () => Object.keys(await weightsOf()).length > 0);
    await t.control.setAlarmState(GATE_ALARM, 'ALARM', `Threshold Crossed${injected('alarm-reason')}`, true);
    const main = await step.done;

    expect(main.outputs.result).toBe('rolled-back');
    expectOnlyOwnCommands(main);
    // The text did reach the log, as text: the alarm names, and the reason once, as the failure.
    expect(main.stdout).toContain('PWNED-firing-alarm-name');
    expect(failureOf(main)).toContain('PWNED-alarm-reason');
    expect(failureOf(main)).toContain('PWNED-alarm-name');
    expect(await t.control.alias(FUNCTION, ALIAS)).toMatchObject({ FunctionVersion: '1' });

    const post = await runStep({ step: 'post', ctx, env });
    expect(post.code).toBe(0);
    expectOnlyOwnCommands(post);
  });

  it('a marker of another run in the alias description: the main step refusing its split', async () => {
    await t.control.loadScenario(hostileSplitScenario());
    const refused = await runStep({
      step: 'main',
      ctx: newRunnerContext(),
      inputs: releaseInputs(),
      env: t.env,
    });
    expect(refused.outputs.result).toBe('failed');
    expectOnlyOwnCommands(refused);
    expect(failureOf(refused)).toContain('PWNED-marker-run');
  });

  it('another run takes the alias over mid-rollout: the main step stops, the post step reads its marker and leaves it', async () => {
    await t.control.loadScenario(lambdaScenario());
    const ctx = newRunnerContext();
    const step = startStep({ step: 'main', ctx, inputs: releaseInputs({ strategy: '20%:60s' }), env: t.env });
    await waitFor('the split', async () => (await weightsOf())['2'] === 0.2);
    await t.control.loadScenario(hostileSplitScenario());
    // The alarm fires: the rollback finds the other run's marker and does not fight it.
    await t.control.setAlarmState(ERRORS_ALARM, 'ALARM', 'Threshold Crossed', true);
    const main = await step.done;
    expect(main.outputs.result).toBe('failed');
    expectOnlyOwnCommands(main);

    const post = await runStep({ step: 'post', ctx, env: t.env });
    expect(post.code).toBe(0);
    expectOnlyOwnCommands(post);
    expect(post.stdout).toContain('PWNED-marker-run');
    expect(await weightsOf()).toEqual({ '2': 0.2 });
  });

  it('the main step killed, then another run takes the alias over: the post step reads its marker and leaves it', async () => {
    await t.control.loadScenario(lambdaScenario());
    const ctx = newRunnerContext();
    const step = startStep({ step: 'main', ctx, inputs: releaseInputs({ strategy: '20%:60s' }), env: t.env });
    await waitFor('the split', async () => (await weightsOf())['2'] === 0.2);
    step.child.kill('SIGKILL');
    await step.done;
    await t.control.loadScenario(hostileSplitScenario());

    const post = await runStep({ step: 'post', ctx, env: t.env });
    expectOnlyOwnCommands(post);
    expect(failureOf(post)).toContain('PWNED-marker-run');
    expect(await weightsOf()).toEqual({ '2': 0.2 });
  });
  it("a marker of another run in an API Gateway stage's description: the main step refusing its canary", async () => {
    await t.control.loadScenario(stageScenario());
    const apigateway = apiGatewayClient(t);
    const { restApiId } = await buildRestApi(t, apigateway, 200);
    const canary = await apigateway.send(new CreateDeploymentCommand({ restApiId }));
    const marker = formatMarker({
      state: 'shifting',
      // Shorter than `injected`: the marker must fit a description's 256 characters.
      run: 'acme/shop#7.1~other\n::error title=injected::PWNED-stage-run\n::stop-commands::x\n##[error]x',
      from: 'base',
      to: canary.id!,
      weight: 10,
      plan: 'canary 10% 5m',
      started: '2020-01-01T00:00:00.000Z',
      by: 'mona',
    });
    await apigateway.send(
      new UpdateStageCommand({
        restApiId,
        stageName: STAGE,
        patchOperations: [
          { op: 'replace', path: '/canarySettings/deploymentId', value: canary.id! },
          { op: 'replace', path: '/canarySettings/percentTraffic', value: '10' },
          { op: 'replace', path: '/description', value: marker },
        ],
      }),
    );
    await t.control.clearWrites();
    const main = await runStep({
      step: 'main',
      ctx: newRunnerContext(),
      inputs: stageInputs(restApiId),
      env: t.env,
    });
    expect(main.code).toBe(1);
    expectOnlyOwnCommands(main);
    expect(failureOf(main)).toContain('PWNED-stage-run');
    expect(await t.control.writes()).toEqual([]);
  });
});
