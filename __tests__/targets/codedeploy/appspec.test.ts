// The AppSpec sent with a deployment: the function's resource with both versions, the hooks as
// lifecycle hooks, and a sha256 of exactly the content sent.
import { createHash } from 'node:crypto';
import { appSpecContent, appSpecRevision } from '../../../src/targets/codedeploy/appspec.js';

const spec = { functionName: 'orders-api', alias: 'live', currentVersion: '6', targetVersion: '7' };

describe('AppSpec', () => {
  it('names the function, the alias and both versions, with version 0.0', () => {
    const content = appSpecContent(spec);
    expect(content.startsWith('{"version":0.0,')).toBe(true);
    expect(JSON.parse(content)).toEqual({
      version: 0,
      Resources: [
        {
          ordersapiFunction: {
            Type: 'AWS::Lambda::Function',
            Properties: { Name: 'orders-api', Alias: 'live', CurrentVersion: '6', TargetVersion: '7' },
          },
        },
      ],
    });
  });

  it('puts the hooks in as BeforeAllowTraffic and AfterAllowTraffic', () => {
    const content = appSpecContent({
      ...spec,
      beforeAllowTraffic: 'CodeDeployHook_pre',
      afterAllowTraffic: 'CodeDeployHook_post',
    });
    expect(JSON.parse(content).Hooks).toEqual([
      { BeforeAllowTraffic: 'CodeDeployHook_pre' },
      { AfterAllowTraffic: 'CodeDeployHook_post' },
    ]);
  });

  it('carries the sha256 of its content', () => {
    const revision = appSpecRevision(spec);
    expect(revision.revisionType).toBe('AppSpecContent');
    expect(revision.appSpecContent.sha256).toBe(
      createHash('sha256').update(revision.appSpecContent.content).digest('hex'),
    );
  });
});
