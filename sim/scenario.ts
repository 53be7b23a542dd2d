/**
 * Scenarios: a whole starting state in one JSON document (functions with versions and aliases,
 * alarms, traffic, faults), loaded through the control API or in-process.
 */
import { Cloud, type CloudOptions } from './cloud.js';
import type { FaultSpec } from './faults.js';
import { ApiError, SERVICES, isRecord, type ServiceName } from './http.js';
import { DEFAULT_BEHAVIOR, sha256, type Behavior } from './lambda.js';
import type { AlarmState } from './alarms.js';

export interface VersionSpec {
  /** Version number; default: the next one. */
  version?: string;
  /** Any label standing for the code; versions with the same label (and config) are the same code. */
  code?: string;
  /** Execution role; default the function's. */
  role?: string;
  /** Dead-letter target ARN; default the function's; null for none. */
  deadLetterArn?: string | null;
  description?: string;
  errorRate?: number;
  durationMs?: number;
  durationJitterMs?: number;
  /** JSON a successful invocation returns. */
  response?: unknown;
}

export interface FunctionSpec {
  name: string;
  role?: string;
  deadLetterArn?: string;
  runtime?: string;
  handler?: string;
  description?: string;
  environment?: Record<string, string>;
  /** Published versions, in order. */
  versions?: VersionSpec[];
  /** $LATEST; default: the same code and configuration as the newest version. */
  latest?: VersionSpec;
  aliases?: { name: string; version: string; weights?: Record<string, number>; description?: string }[];
}

/** A traffic stream: a Lambda alias, with optional per-version behaviour changes. */
export interface LambdaTrafficSpec {
  function: string;
  alias: string;
  /** Invocations per second; 0 stops. */
  rate: number;
  /** Per-version behaviour, e.g. {"2": {"errorRate": 0.2}}. */
  versions?: Record<string, Partial<Behavior>>;
}

export type TrafficSpec = LambdaTrafficSpec;

type AlarmSpec = Record<string, unknown> & { StateValue?: AlarmState; StateReason?: string };

export interface Scenario extends Partial<
  Pick<CloudOptions, 'seed' | 'metricPeriodSeconds' | 'updateSettleMs'>
> {
  functions?: FunctionSpec[];
  /** PutMetricAlarm inputs (AWS shapes), optionally with a StateValue/StateReason to start in. */
  alarms?: AlarmSpec[];
  /** PutCompositeAlarm inputs (AWS shapes), optionally with a StateValue/StateReason. */
  compositeAlarms?: AlarmSpec[];
  traffic?: TrafficSpec[];
  faults?: Partial<Record<ServiceName, FaultSpec>>;
}

export const DEFAULT_ROLE = 'arn:aws:iam::123456789012:role/lambda-role';

const bad = (message: string): ApiError => new ApiError(400, 'InvalidScenario', message);

/**
 * Replaces the cloud's state with the scenario's (the writes log is kept). The scenario is tried
 * on a scratch cloud first, so a bad one changes nothing.
 */
export function loadScenario(cloud: Cloud, scenario: Scenario): void {
  if (!isRecord(scenario as unknown)) throw bad('A scenario must be a JSON object.');
  try {
    apply(new Cloud(cloud.options, cloud.clock), scenario);
  } catch (e) {
    if (e instanceof ApiError) throw bad(`Invalid scenario: ${e.message}`);
    throw e;
  }
  apply(cloud, scenario);
}

function apply(cloud: Cloud, scenario: Scenario): void {
  cloud.reset({
    ...(scenario.seed !== undefined ? { seed: scenario.seed } : {}),
    ...(scenario.metricPeriodSeconds !== undefined
      ? { metricPeriodSeconds: scenario.metricPeriodSeconds }
      : {}),
    ...(scenario.updateSettleMs !== undefined ? { updateSettleMs: scenario.updateSettleMs } : {}),
  });
  for (const fn of scenario.functions ?? []) loadFunction(cloud, fn);
  const now = cloud.clock();
  const cw = cloud.cloudwatch;
  for (const a of scenario.alarms ?? []) {
    cw.handle('PutMetricAlarm', a);
    if (a.StateValue)
      cw.alarms.setState(String(a['AlarmName']), a.StateValue, a.StateReason ?? 'Scenario', undefined, now);
  }
  for (const a of scenario.compositeAlarms ?? []) {
    cw.handle('PutCompositeAlarm', a);
    if (a.StateValue)
      cw.alarms.setState(String(a['AlarmName']), a.StateValue, a.StateReason ?? 'Scenario', undefined, now);
  }
  for (const t of scenario.traffic ?? []) setTraffic(cloud, t);
  for (const [service, spec] of Object.entries(scenario.faults ?? {})) {
    if (!SERVICES.includes(service as ServiceName)) throw bad(`Unknown service in faults: ${service}`);
    cloud.faults.set(service as ServiceName, spec ?? null);
  }
}

function loadFunction(cloud: Cloud, spec: FunctionSpec): void {
  if (!spec.name) throw bad('Every function needs a name.');
  const lambda = cloud.lambda;
  const baseRole = spec.role ?? DEFAULT_ROLE;
  const config = (v: VersionSpec) => ({
    role: v.role ?? baseRole,
    deadLetterTargetArn: v.deadLetterArn === null ? undefined : (v.deadLetterArn ?? spec.deadLetterArn),
    description: v.description ?? spec.description ?? '',
    code: { sha256: sha256(v.code ?? `${spec.name}@${v.version ?? 'latest'}`), size: 1024 },
    behavior: behaviorOf(v),
  });
  const versions = spec.versions ?? [];
  const first = config(versions[0] ?? spec.latest ?? {});
  const f = lambda.addFunction({
    name: spec.name,
    runtime: spec.runtime,
    handler: spec.handler,
    environment: spec.environment,
    ...first,
  });
  for (const v of versions) {
    const c = config(v);
    f.latest = {
      ...f.latest,
      role: c.role,
      deadLetterTargetArn: c.deadLetterTargetArn,
      description: c.description,
      codeSha256: c.code.sha256,
      behavior: c.behavior,
    };
    lambda.publish(f, undefined, v.version ?? String(f.nextVersion));
  }
  if (spec.latest) {
    const c = config(spec.latest);
    f.latest = {
      ...f.latest,
      role: c.role,
      deadLetterTargetArn: c.deadLetterTargetArn,
      description: c.description,
      codeSha256: c.code.sha256,
      behavior: c.behavior,
    };
  }
  for (const a of spec.aliases ?? [])
    lambda.putAlias(spec.name, a.name, a.version, a.weights ?? {}, a.description);
}

function behaviorOf(v: VersionSpec): Behavior {
  return {
    errorRate: v.errorRate ?? DEFAULT_BEHAVIOR.errorRate,
    durationMs: v.durationMs ?? DEFAULT_BEHAVIOR.durationMs,
    durationJitterMs: v.durationJitterMs ?? DEFAULT_BEHAVIOR.durationJitterMs,
    ...(v.response !== undefined ? { response: v.response } : {}),
  };
}

/** Starts, changes or stops (rate 0) traffic on an alias, and applies per-version behaviour. */
export function setTraffic(cloud: Cloud, spec: TrafficSpec): void {
  if (!isRecord(spec) || typeof spec.function !== 'string' || typeof spec.alias !== 'string') {
    throw bad('Traffic needs "function", "alias" and "rate".');
  }
  if (typeof spec.rate !== 'number' || spec.rate < 0) throw bad('Traffic "rate" must be a number >= 0.');
  const lambda = cloud.lambda;
  const f = lambda.fn(spec.function);
  lambda.alias(spec.function, spec.alias);
  for (const [version, behavior] of Object.entries(spec.versions ?? {})) {
    const v = version === '$LATEST' ? f.latest : f.versions.get(version);
    if (!v) throw bad(`Function ${f.name} has no version ${version}.`);
    v.behavior = { ...v.behavior, ...behavior };
  }
  cloud.traffic.set({
    key: `lambda:${f.name}:${spec.alias}`,
    rate: spec.rate,
    invoke: () => {
      lambda.invoke(f.name, spec.alias);
    },
  });
}
