// The registry: the `target` input picks a definition, and inputs that belong to another target
// are refused, each naming the target it belongs to.
import { DEFAULT_TARGET, foreignInputProblems, parseTarget, TARGETS } from '../../src/targets/registry.js';

const reader = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? '';

describe('target registry', () => {
  it('defaults to the Lambda alias, whose definition owns function-name, alias and version', () => {
    expect(DEFAULT_TARGET).toBe('lambda-alias');
    expect(parseTarget('lambda-alias')).toBe('lambda-alias');
    expect(TARGETS['lambda-alias'].inputNames).toEqual(['function-name', 'alias', 'version']);
  });

  it('refuses an unknown target, naming the accepted ones', () => {
    expect(() => parseTarget('api-gateway')).toThrow(
      'Input "target": "api-gateway" is not a target. Accepted: "lambda-alias", "api-gateway-stage" (default "lambda-alias").',
    );
  });

  it("refuses another target's inputs, naming the target they belong to", () => {
    const targets = {
      'lambda-alias': { inputNames: ['function-name', 'alias', 'version'] },
      'api-gateway-stage': { inputNames: ['rest-api-id', 'stage'] },
    };
    const given = reader({ alias: 'live', 'rest-api-id': 'a1b2c3', stage: ' ', version: '' });
    expect(foreignInputProblems('api-gateway-stage', given, targets)).toEqual([
      'Input "alias" belongs to target "lambda-alias", not to "api-gateway-stage": remove it, or set "target: lambda-alias".',
    ]);
    expect(foreignInputProblems('lambda-alias', given, targets)).toEqual([
      'Input "rest-api-id" belongs to target "api-gateway-stage", not to "lambda-alias": remove it, or set "target: api-gateway-stage".',
    ]);
  });

  it('finds no foreign inputs among the registered targets when only their own are given', () => {
    expect(
      foreignInputProblems('lambda-alias', reader({ 'function-name': 'orders', alias: 'live' })),
    ).toEqual([]);
  });
});
