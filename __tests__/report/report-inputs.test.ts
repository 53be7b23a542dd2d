// The reporting inputs: github-token, pr-comment, deployment-environment, environment-url.
import { InputError, readInputs } from '../../src/inputs.js';

const env = { AWS_REGION: 'eu-west-1' };
const read = (inputs: Record<string, string>) =>
  readInputs((name) => ({ 'function-name': 'orders', ...inputs })[name] ?? '', env);

describe('reporting inputs', () => {
  it('default to a comment, no deployment, and the token as given', () => {
    expect(read({ 'github-token': 'ghs_abc' })).toMatchObject({
      githubToken: 'ghs_abc',
      prComment: true,
      deploymentEnvironment: undefined,
      environmentUrl: undefined,
    });
  });

  it("treat action.yml's default left unevaluated (a local run) as no token", () => {
    expect(read({ 'github-token': '${{ github.token }}' }).githubToken).toBe('');
  });

  it('take an environment and its URL', () => {
    expect(
      read({
        'deployment-environment': 'production',
        'environment-url': 'https://orders.example.com',
        'pr-comment': 'false',
      }),
    ).toMatchObject({
      deploymentEnvironment: 'production',
      environmentUrl: 'https://orders.example.com',
      prComment: false,
    });
  });

  it('refuse a URL that is not http(s), a bad boolean and a control character, naming each input', () => {
    let problems: string[] = [];
    try {
      read({
        'environment-url': 'javascript:alert(1)',
        'pr-comment': 'yes',
        'deployment-environment': 'prod\nuction',
      });
    } catch (error) {
      problems = (error as InputError).problems;
    }
    expect(problems).toEqual([
      expect.stringMatching(/^Input "pr-comment": "yes" is not a boolean/),
      expect.stringMatching(/^Input "deployment-environment": .* is not an environment name/),
      expect.stringMatching(/^Input "environment-url": "javascript:alert\(1\)" is not a URL/),
    ]);
  });
});
