// The codedeploy engine as the engine registry (src/engines.ts) knows it: the inputs it reads,
// and each command's phases (release.ts).
import type { EngineRun, FollowedEngine } from '../../engines.js';
import { collectProblems } from '../../input-problems.js';
import { listProblems, timeoutFor } from '../../inputs.js';
import { log } from '../../log.js';
import type { LambdaInputs } from '../lambda/inputs.js';
import { codeDeployCommand, deployWithCodeDeploy, type CodeDeployContext } from './release.js';

export const codeDeployEngine: FollowedEngine = {
  async release(run: EngineRun): Promise<void> {
    const { inputs } = run;
    if (inputs.engine.kind !== 'codedeploy') throw new Error('the codedeploy engine needs its inputs');
    // promote's timeout is left to the command (inputs.ts): here, the whole plan's default.
    let timeoutMs = inputs.timeoutMs;
    if (inputs.command === 'promote' && timeoutMs === 0) {
      const { problems, check } = collectProblems();
      const warn = (warning: string) => log.warning(warning, 'Timeout');
      timeoutMs = timeoutFor(inputs.plan, inputs.timing, { command: 'promote', env: run.env, warn, check });
      if (problems.length > 0) throw new Error(`${listProblems(problems)}; nothing was changed`);
    }
    const context: CodeDeployContext = {
      settings: {
        engine: inputs.engine,
        // Validation refuses engine codedeploy with any target but lambda-alias.
        targetInputs: inputs.targetInputs as LambdaInputs,
        plan: inputs.plan,
        alarms: inputs.alarms,
        analysis: inputs.analysis,
        ignoreFiringAlarms: inputs.ignoreFiringAlarms,
        hooks: inputs.hooks,
        wait: inputs.wait,
        dryRun: inputs.dryRun,
        onExistingSplit: inputs.onExistingSplit,
        pollIntervalMs: inputs.pollIntervalMs,
        timeoutMs,
        region: inputs.region,
        deploymentEnvironment: inputs.deploymentEnvironment,
      },
      report: run.report,
      reporter: run.reporter,
      clients: run.clients,
      clock: run.clock,
      signal: run.signal,
      identity: run.identity,
      addMetrics: run.addMetrics,
    };
    if (inputs.command === 'deploy') return deployWithCodeDeploy(context);
    if (inputs.command === 'start') throw new Error('command start is refused with engine codedeploy');
    return codeDeployCommand(context, inputs.command);
  },
};
