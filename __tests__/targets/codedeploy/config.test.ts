// The strategy's plan as a CodeDeploy deployment config: the predefined names, the custom ones
// named from their shape, and the plans CodeDeploy cannot run, refused with a message.
import { parseStrategy } from '../../../src/strategy.js';
import { deploymentConfigFor } from '../../../src/targets/codedeploy/config.js';

const configOf = (strategy: string) => deploymentConfigFor(parseStrategy(strategy));

describe('deploymentConfigFor', () => {
  it.each([
    ['Canary10Percent5Minutes', 'CodeDeployDefault.LambdaCanary10Percent5Minutes'],
    ['CodeDeployDefault.LambdaCanary10Percent30Minutes', 'CodeDeployDefault.LambdaCanary10Percent30Minutes'],
    ['Linear10PercentEvery1Minute', 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute'],
    ['Linear10PercentEvery10Minutes', 'CodeDeployDefault.LambdaLinear10PercentEvery10Minutes'],
    ['AllAtOnce', 'CodeDeployDefault.LambdaAllAtOnce'],
    // The same shape spelt another way is the predefined config too.
    ['canary 10% 15m', 'CodeDeployDefault.LambdaCanary10Percent15Minutes'],
  ])('%s runs as the predefined %s', (strategy, name) => {
    expect(configOf(strategy)).toMatchObject({ name, predefined: true });
  });

  it('a custom canary becomes a config named from its shape', () => {
    expect(configOf('canary 20% 3m')).toEqual({
      name: 'ServerlessCanary.Canary20Percent3Minutes',
      predefined: false,
      routing: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 20, canaryInterval: 3 } },
    });
    expect(configOf('canary 5% 1m').name).toBe('ServerlessCanary.Canary5Percent1Minute');
  });

  it('a custom linear strategy, and explicit steps of equal increments, become a linear config', () => {
    const linear = {
      name: 'ServerlessCanary.Linear30PercentEvery2Minutes',
      predefined: false,
      routing: { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 30, linearInterval: 2 } },
    };
    expect(configOf('linear 30% every 2m')).toEqual(linear);
    expect(configOf('30%:2m, 60%:2m, 90%:2m')).toEqual(linear);
  });

  it.each([
    ['5%:2m, 25%:5m, 50%:10m', /not one canary step nor equal increments \(5%, 25%, 50%\)/],
    // Equal increments that stop short of CodeDeploy's own last step (90%) are not its linear shape.
    ['30%:2m, 60%:2m', /not one canary step nor equal increments/],
    ['20%:2m, 40%:3m', /not one canary step nor equal increments/],
    ['canary 10% 90s', /holds 10% for 1m30s; CodeDeploy takes whole minutes only, such as 1m or 2m/],
    ['canary 10% 30s', /whole minutes only, such as 1m\./],
    ['canary 2.5% 5m', /a step of 2.5%; CodeDeploy takes whole percentages only, such as 2% or 3%/],
  ])('%s is refused, naming the strategy input', (strategy, message) => {
    expect(() => configOf(strategy)).toThrow(message);
    expect(() => configOf(strategy)).toThrow(/^Input "strategy": /);
  });
});
