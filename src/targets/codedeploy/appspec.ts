// The AppSpec of a Lambda deployment, as JSON: the function, its alias, the version the alias is
// on and the one it moves to, and the traffic hooks as CodeDeploy's lifecycle hooks. Its sha256
// goes with it, so that CodeDeploy checks the content it was sent.
import { createHash } from 'node:crypto';

export interface AppSpecInputs {
  functionName: string;
  alias: string;
  currentVersion: string;
  targetVersion: string;
  /** pre-traffic-hook: CodeDeploy invokes it before AllowTraffic. */
  beforeAllowTraffic?: string;
  /** post-traffic-hook: after all the traffic has moved. */
  afterAllowTraffic?: string;
}

export interface AppSpecRevision {
  revisionType: 'AppSpecContent';
  appSpecContent: { content: string; sha256: string };
}

/** The resource's logical name in the AppSpec: letters and digits of the function's name. */
function resourceName(functionName: string): string {
  const name = (/:function:([^:]+)/.exec(functionName)?.[1] ?? functionName).replace(/[^A-Za-z0-9]/g, '');
  return `${name || 'Function'}Function`;
}

export function appSpecContent(spec: AppSpecInputs): string {
  const hooks = [
    ...(spec.beforeAllowTraffic ? [{ BeforeAllowTraffic: spec.beforeAllowTraffic }] : []),
    ...(spec.afterAllowTraffic ? [{ AfterAllowTraffic: spec.afterAllowTraffic }] : []),
  ];
  const body = JSON.stringify({
    Resources: [
      {
        [resourceName(spec.functionName)]: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Name: spec.functionName,
            Alias: spec.alias,
            CurrentVersion: spec.currentVersion,
            TargetVersion: spec.targetVersion,
          },
        },
      },
    ],
    ...(hooks.length > 0 ? { Hooks: hooks } : {}),
  });
  // AppSpec's version is the number 0.0 as its documentation writes it (JSON.stringify says 0).
  return `{"version":0.0,${body.slice(1)}`;
}

export function appSpecRevision(spec: AppSpecInputs): AppSpecRevision {
  const content = appSpecContent(spec);
  return {
    revisionType: 'AppSpecContent',
    appSpecContent: { content, sha256: createHash('sha256').update(content).digest('hex') },
  };
}
