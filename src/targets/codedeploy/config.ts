// The strategy's plan as a CodeDeploy deployment config: the nine predefined Lambda configs by
// their own names, any other canary or linear shape as a custom config named from that shape
// (created once, then reused by name). A plan CodeDeploy cannot express (fractions of a percent
// or of a minute, several canary steps) is refused with the inputs, before any write.
import { formatDuration } from '../../duration.js';
import { trafficSteps, type Plan } from '../../engine/plan.js';

const MINUTE_MS = 60_000;
/** The prefix of the custom configs this action creates; CodeDeploy reserves "CodeDeployDefault.". */
export const CUSTOM_CONFIG_PREFIX = 'ServerlessCanary.';

export interface TrafficRouting {
  type: 'AllAtOnce' | 'TimeBasedCanary' | 'TimeBasedLinear';
  timeBasedCanary?: { canaryPercentage: number; canaryInterval: number };
  timeBasedLinear?: { linearPercentage: number; linearInterval: number };
}

export interface DeploymentConfigChoice {
  /** "CodeDeployDefault.LambdaCanary10Percent5Minutes", "ServerlessCanary.Canary20Percent3Minutes". */
  name: string;
  /** A predefined config exists already; a custom one is created when missing. */
  predefined: boolean;
  routing: TrafficRouting;
}

const PREDEFINED_CANARY_MINUTES = [5, 10, 15, 30];
const PREDEFINED_LINEAR_MINUTES = [1, 2, 3, 10];

/** The deployment config for `plan`; throws a message naming the "strategy" input when none fits. */
export function deploymentConfigFor(plan: Plan): DeploymentConfigChoice {
  const steps = trafficSteps(plan);
  if (steps.length === 0) {
    return { name: 'CodeDeployDefault.LambdaAllAtOnce', predefined: true, routing: { type: 'AllAtOnce' } };
  }
  const first = steps[0]!;
  const percent = wholePercent(plan, first.weight);
  const minutes = wholeMinutes(plan, first.holdMs, first.weight);
  if (steps.length === 1) {
    const predefined = percent === 10 && PREDEFINED_CANARY_MINUTES.includes(minutes);
    const shape = `Canary${percent}Percent${minutes}Minute${minutes === 1 ? '' : 's'}`;
    return {
      name: predefined ? `CodeDeployDefault.Lambda${shape}` : `${CUSTOM_CONFIG_PREFIX}${shape}`,
      predefined,
      routing: {
        type: 'TimeBasedCanary',
        timeBasedCanary: { canaryPercentage: percent, canaryInterval: minutes },
      },
    };
  }
  // CodeDeploy's linear shape: p, 2p, 3p ... while below 100, each held the same interval.
  const linear = steps.every((s, k) => s.weight === percent * (k + 1) && s.holdMs === first.holdMs);
  if (!linear || percent * (steps.length + 1) < 100) {
    throw new Error(
      `Input "strategy": "${plan.name}" has ${steps.length} steps that are not one canary step nor equal increments (${steps
        .map((s) => `${s.weight}%`)
        .join(
          ', ',
        )}); CodeDeploy moves the traffic by one canary step ("canary 10% 5m") or by equal increments each held alike ("linear 20% every 2m"). Use one of those with "engine: codedeploy", or "engine: direct" for any steps.`,
    );
  }
  const predefined = percent === 10 && PREDEFINED_LINEAR_MINUTES.includes(minutes);
  const shape = `Linear${percent}PercentEvery${minutes}Minute${minutes === 1 ? '' : 's'}`;
  return {
    name: predefined ? `CodeDeployDefault.Lambda${shape}` : `${CUSTOM_CONFIG_PREFIX}${shape}`,
    predefined,
    routing: {
      type: 'TimeBasedLinear',
      timeBasedLinear: { linearPercentage: percent, linearInterval: minutes },
    },
  };
}

function wholePercent(plan: Plan, weight: number): number {
  if (Number.isInteger(weight)) return weight;
  throw new Error(
    `Input "strategy": "${plan.name}" has a step of ${weight}%; CodeDeploy takes whole percentages only, such as ${Math.max(1, Math.floor(weight))}% or ${Math.ceil(weight)}%. Use "engine: direct" for finer weights.`,
  );
}

function wholeMinutes(plan: Plan, holdMs: number, weight: number): number {
  if (holdMs % MINUTE_MS === 0 && holdMs >= MINUTE_MS) return holdMs / MINUTE_MS;
  const below = Math.max(1, Math.floor(holdMs / MINUTE_MS));
  const above = Math.max(1, Math.ceil(holdMs / MINUTE_MS));
  const near = below === above ? `${below}m` : `${below}m or ${above}m`;
  throw new Error(
    `Input "strategy": "${plan.name}" holds ${weight}% for ${formatDuration(holdMs)}; CodeDeploy takes whole minutes only, such as ${near}. Use "engine: direct" for holds of seconds.`,
  );
}
