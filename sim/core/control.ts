/**
 * The control API under /_control/: load scenarios, read any resource, force alarm states,
 * drive traffic, inject faults, read the writes log. Plain JSON, for tests and the demo.
 */
import { deploymentBehaviorPatch, stageOut } from '../apigateway/apigateway.js';
import { alarmView } from '../cloudwatch/cloudwatch.js';
import type { Cloud } from './cloud.js';
import type { FaultSpec } from './faults.js';
import {
  ApiError,
  RestRouter,
  SERVICES,
  isRecord,
  jsonResponse,
  parseJsonObject,
  type Params,
  type ServiceName,
  type SimRequest,
  type SimResponse,
} from './http.js';
import { behaviorPatch, codeOf, sha256 } from '../lambda/lambda.js';
import { loadScenario, setHookReports, setTraffic, type Scenario, type TrafficSpec } from './scenario.js';
import type { HookReport } from '../codedeploy/codedeploy.js';
import type { AlarmState } from '../cloudwatch/alarms.js';

export const CONTROL_PREFIX = '/_control';

interface Ctx {
  body: () => Record<string, unknown>;
  query: URLSearchParams;
}

const bad = (message: string): ApiError => new ApiError(400, 'BadRequest', message);
const missing = (what: string): ApiError => new ApiError(404, 'NotFound', `${what} not found`);

export class ControlApi {
  private readonly router = new RestRouter<Ctx>();

  constructor(private readonly cloud: Cloud) {
    const c = cloud;
    const ok = (value: unknown = { ok: true }): SimResponse => jsonResponse(200, value);
    this.router
      .add('POST', '/_control/scenario', 'LoadScenario', (x) => {
        loadScenario(c, x.body() as Scenario);
        return ok(this.state());
      })
      .add('POST', '/_control/reset', 'Reset', (x) => {
        const b = x.body();
        c.reset({
          ...(typeof b['seed'] === 'number' ? { seed: b['seed'] } : {}),
          ...(typeof b['metricPeriodSeconds'] === 'number'
            ? { metricPeriodSeconds: b['metricPeriodSeconds'] }
            : {}),
          ...(typeof b['updateSettleMs'] === 'number' ? { updateSettleMs: b['updateSettleMs'] } : {}),
          ...(typeof b['codedeployMinuteMs'] === 'number'
            ? { codedeployMinuteMs: b['codedeployMinuteMs'] }
            : {}),
          ...(typeof b['createDeploymentIntervalMs'] === 'number'
            ? { createDeploymentIntervalMs: b['createDeploymentIntervalMs'] }
            : {}),
        });
        if (b['clearWrites'] !== false) c.writes.clear();
        return ok();
      })
      .add('GET', '/_control/state', 'State', () => ok(this.state()))
      .add('GET', '/_control/state/lambda/functions/{fn}', 'Function', (_x, p) =>
        ok(c.lambda.functionView(this.fn(p))),
      )
      .add('GET', '/_control/state/lambda/functions/{fn}/aliases/{alias}', 'Alias', (_x, p) => {
        const f = this.fn(p);
        const a = f.aliases.get(p['alias'] ?? '');
        if (!a) throw missing(`Alias ${f.name}:${p['alias']}`);
        return ok(c.lambda.aliasOut(f, a));
      })
      .add('GET', '/_control/state/lambda/functions/{fn}/invocations', 'Invocations', (_x, p) =>
        ok(this.fn(p).invocations),
      )
      .add('GET', '/_control/state/cloudwatch/alarms', 'Alarms', () =>
        ok([...c.cloudwatch.alarms.alarms.values()].map(alarmView)),
      )
      .add('GET', '/_control/state/cloudwatch/alarms/{name}', 'Alarm', (_x, p) =>
        ok(alarmView(this.alarm(p))),
      )
      .add('POST', '/_control/alarms/{name}/state', 'SetAlarmState', (x, p) => {
        const b = x.body();
        const state = b['state'];
        if (state !== 'OK' && state !== 'ALARM' && state !== 'INSUFFICIENT_DATA') {
          throw bad('"state" must be OK, ALARM or INSUFFICIENT_DATA');
        }
        const alarm = this.alarm(p);
        c.cloudwatch.alarms.setState(
          alarm.name,
          state as AlarmState,
          typeof b['reason'] === 'string' ? b['reason'] : `Set by the control API to ${state}`,
          undefined,
          c.clock(),
          b['freeze'] === true,
        );
        return ok(alarmView(alarm));
      })
      .add('POST', '/_control/alarms/{name}/unfreeze', 'UnfreezeAlarm', (_x, p) => {
        const alarm = this.alarm(p);
        alarm.frozen = false;
        return ok(alarmView(alarm));
      })
      .add('POST', '/_control/alarms/evaluate', 'EvaluateAlarms', () => {
        const now = c.clock();
        for (const a of c.cloudwatch.alarms.alarms.values()) {
          if (a.kind === 'metric' && !a.frozen) c.cloudwatch.alarms.evaluateMetricAlarm(a, now);
        }
        c.cloudwatch.alarms.evaluateComposites(now);
        return ok([...c.cloudwatch.alarms.alarms.values()].map(alarmView));
      })
      .add('POST', '/_control/metrics', 'PutMetrics', (x) => {
        const b = x.body();
        const data = Array.isArray(b['data']) ? b['data'] : [b];
        for (const d of data) {
          if (!isRecord(d) || typeof d['namespace'] !== 'string' || typeof d['metricName'] !== 'string') {
            throw bad('Each data point needs "namespace", "metricName" and "value" or "values".');
          }
          const values = Array.isArray(d['values']) ? (d['values'] as number[]) : [Number(d['value'])];
          const t = typeof d['timestamp'] === 'string' ? Date.parse(d['timestamp']) : c.clock();
          c.metrics.put(
            {
              namespace: d['namespace'],
              metricName: d['metricName'],
              dimensions: isRecord(d['dimensions']) ? (d['dimensions'] as Record<string, string>) : {},
            },
            t,
            values,
            Array.isArray(d['counts']) ? (d['counts'] as number[]) : undefined,
            typeof d['unit'] === 'string' ? d['unit'] : undefined,
          );
        }
        return ok();
      })
      .add('POST', '/_control/traffic', 'SetTraffic', (x) => {
        const b = x.body();
        const list = Array.isArray(b['streams']) ? b['streams'] : [b];
        for (const t of list) setTraffic(c, t as TrafficSpec);
        return ok(c.traffic.view());
      })
      .add('DELETE', '/_control/traffic', 'StopTraffic', () => {
        c.traffic.clear();
        return ok();
      })
      .add('GET', '/_control/traffic', 'Traffic', () => ok(c.traffic.view()))
      .add('POST', '/_control/lambda/functions/{fn}/code', 'DeployCode', (x, p) => {
        const f = this.fn(p);
        const b = x.body();
        const label = typeof b['code'] === 'string' ? b['code'] : `${f.name}@${c.clock()}`;
        const code = b['ZipFile'] !== undefined ? codeOf(b) : { sha256: sha256(label), size: 1024 };
        c.lambda.setCode(f, { ...code, behavior: { ...code.behavior, ...behaviorPatch(b) } });
        return ok(c.lambda.functionView(f));
      })
      .add('POST', '/_control/lambda/functions/{fn}/versions/{version}/behavior', 'SetBehavior', (x, p) => {
        const f = this.fn(p);
        const v = p['version'] === '$LATEST' ? f.latest : f.versions.get(p['version'] ?? '');
        if (!v) throw missing(`Version ${f.name}:${p['version']}`);
        v.behavior = { ...v.behavior, ...behaviorPatch(x.body()) };
        return ok(v.behavior);
      })
      .add('POST', '/_control/faults', 'SetFaults', (x) => {
        for (const [service, spec] of Object.entries(x.body())) {
          if (!SERVICES.includes(service as ServiceName)) throw bad(`Unknown service: ${service}`);
          if (spec !== null && !isRecord(spec)) throw bad(`Faults for ${service} must be an object or null.`);
          c.faults.set(service as ServiceName, spec as FaultSpec | null);
        }
        return ok(c.faults.view());
      })
      .add('DELETE', '/_control/faults', 'ClearFaults', () => {
        c.faults.clear();
        return ok();
      })
      .add('GET', '/_control/faults', 'Faults', () => ok(c.faults.view()))
      .add('GET', '/_control/state/github', 'GitHub', () => ok(c.github.view()))
      .add('GET', '/_control/state/apigateway', 'ApiGateway', () => ok(c.apigateway.view()))
      .add('GET', '/_control/state/apigateway/restapis/{api}', 'RestApi', (_x, p) =>
        ok(c.apigateway.apiView(c.apigateway.api(p['api'] ?? ''))),
      )
      .add('GET', '/_control/state/apigatewayv2', 'ApiGatewayV2', () => ok(c.apigatewayv2.view()))
      .add('POST', '/_control/apigateway/restapis/{api}/mock', 'SetMockAnswer', (x, p) => {
        const b = x.body();
        if (typeof b['path'] !== 'string' || typeof b['method'] !== 'string') {
          throw bad('A MOCK answer needs "path" and "method", and "statusCode" and/or "latencyMs".');
        }
        const api = c.apigateway.api(p['api'] ?? '');
        return ok(
          c.apigateway.setMockAnswer(api, {
            path: b['path'],
            method: b['method'],
            ...(typeof b['deploymentId'] === 'string' ? { deploymentId: b['deploymentId'] } : {}),
            ...(typeof b['statusCode'] === 'number' ? { statusCode: b['statusCode'] } : {}),
            ...(typeof b['statusRate'] === 'number' ? { statusRate: b['statusRate'] } : {}),
            ...(typeof b['latencyMs'] === 'number' ? { latencyMs: b['latencyMs'] } : {}),
          }),
        );
      })
      .add('GET', '/_control/state/apigateway/restapis/{api}/stages/{stage}', 'Stage', (_x, p) =>
        ok(stageOut(c.apigateway.stage(c.apigateway.api(p['api'] ?? ''), p['stage'] ?? ''))),
      )
      .add(
        'POST',
        '/_control/apigateway/restapis/{api}/deployments/{deployment}/behavior',
        'SetDeploymentBehavior',
        (x, p) => {
          const api = c.apigateway.api(p['api'] ?? '');
          const d = c.apigateway.deployment(api, p['deployment'] ?? '');
          d.behavior = { ...d.behavior, ...deploymentBehaviorPatch(x.body()) };
          return ok(d.behavior);
        },
      )
      .add(
        'POST',
        '/_control/apigateway/restapis/{api}/next-deployment',
        'SetNextDeploymentBehavior',
        (x, p) => {
          const api = c.apigateway.api(p['api'] ?? '');
          api.nextDeploymentBehavior = {
            ...api.nextDeploymentBehavior,
            ...deploymentBehaviorPatch(x.body()),
          };
          return ok(api.nextDeploymentBehavior);
        },
      )
      .add('GET', '/_control/state/codedeploy', 'CodeDeploy', () => ok(c.codedeploy.view()))
      .add('GET', '/_control/state/codedeploy/deployments/{id}', 'CodeDeployDeployment', (_x, p) => {
        const d = c.codedeploy.deployments.get(p['id'] ?? '');
        if (!d) throw missing(`Deployment ${p['id']}`);
        return ok({ ...c.codedeploy.deploymentOut(d), target: c.codedeploy.targetOut(d)['lambdaTarget'] });
      })
      .add('POST', '/_control/codedeploy/hook-reports', 'SetHookReports', (x) => {
        setHookReports(c, x.body() as Record<string, HookReport | null>);
        return ok(Object.fromEntries(c.codedeploy.hookReports));
      })
      .add('GET', '/_control/state/github/comments', 'GitHubComments', (x) => {
        const repo = x.query.get('repo');
        const issue = x.query.get('issue');
        return ok(
          [...c.github.comments.values()].filter(
            (m) => (!repo || m.repo === repo) && (!issue || m.issue === Number(issue)),
          ),
        );
      })
      .add('POST', '/_control/github', 'ConfigureGitHub', (x) => {
        c.github.configure(x.body());
        return ok(c.github.view());
      })
      .add('GET', '/_control/writes', 'Writes', (x) => {
        const service = x.query.get('service');
        return ok(c.writes.list().filter((w) => !service || w.service === service));
      })
      .add('DELETE', '/_control/writes', 'ClearWrites', () => {
        c.writes.clear();
        return ok();
      });
  }

  handle(req: SimRequest): Promise<SimResponse> | SimResponse {
    let body: Record<string, unknown> | undefined;
    const op = this.router.resolve(
      req,
      () => ({ body: () => (body ??= parseJsonObject(req.body, bad)), query: req.query }),
      () => new ApiError(405, 'MethodNotAllowed', `${req.method} is not allowed on ${req.path}`),
    );
    if (!op)
      return jsonResponse(404, {
        error: 'NotFound',
        message: `No control endpoint ${req.method} ${req.path}`,
      });
    try {
      return op.run();
    } catch (e) {
      if (e instanceof ApiError) return jsonResponse(e.status, { error: e.code, message: e.message });
      throw e;
    }
  }

  /** Everything, as plain JSON. */
  state(): Record<string, unknown> {
    const c = this.cloud;
    return {
      options: c.options,
      lambda: {
        functions: Object.fromEntries(
          [...c.lambda.functions.values()].map((f) => [f.name, c.lambda.functionView(f)]),
        ),
      },
      cloudwatch: {
        alarms: Object.fromEntries(
          [...c.cloudwatch.alarms.alarms.values()].map((a) => [a.name, alarmView(a)]),
        ),
        metrics: c.metrics.list().map((s) => ({
          namespace: s.namespace,
          metricName: s.metricName,
          dimensions: s.dimensions,
          datapoints: s.buckets.size,
        })),
      },
      traffic: c.traffic.view(),
      github: c.github.view(),
      apigateway: c.apigateway.view(),
      apigatewayv2: c.apigatewayv2.view(),
      codedeploy: c.codedeploy.view(),
      faults: c.faults.view(),
      writes: c.writes.list().length,
    };
  }

  private fn(p: Params) {
    const f = this.cloud.lambda.functions.get(p['fn'] ?? '');
    if (!f) throw missing(`Function ${p['fn']}`);
    return f;
  }

  private alarm(p: Params) {
    const a = this.cloud.cloudwatch.alarms.alarms.get(p['name'] ?? '');
    if (!a) throw missing(`Alarm ${p['name']}`);
    return a;
  }
}
