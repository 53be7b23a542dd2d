/**
 * UpdateStage's patch operations with the validation AWS applies (see the API Gateway section of
 * aws-facts.md): the canary paths accept only replace/remove, copy only promotes the canary, and
 * every refusal is a BadRequestException. Operations are applied to a copy and committed only when
 * all succeed, so one bad operation changes nothing.
 */
import { isRecord, str } from '../core/http.js';
import { badRequest, checkPercent, type CanarySettings, type RestApi, type Stage } from './model.js';

export interface PatchOperation {
  op: string;
  path: string;
  value?: string;
  from?: string;
}

/** The stage after the operations (a new object; the given stage is not touched). */
export function patchStage(api: RestApi, current: Stage, rawOps: unknown): Stage {
  const s: Stage = {
    ...current,
    variables: { ...current.variables },
    canary: current.canary
      ? { ...current.canary, stageVariableOverrides: { ...current.canary.stageVariableOverrides } }
      : undefined,
  };
  const ops = Array.isArray(rawOps) ? rawOps : [];
  for (const raw of ops) {
    if (!isRecord(raw)) throw badRequest('Invalid patch operation specified');
    applyOperation(api, s, {
      op: str(raw, 'op') ?? '',
      path: str(raw, 'path') ?? '',
      value: str(raw, 'value'),
      from: str(raw, 'from'),
    });
  }
  return s;
}

function applyOperation(api: RestApi, s: Stage, o: PatchOperation): void {
  if (o.path === '/canarySettings' || o.path.startsWith('/canarySettings/')) return patchCanary(api, s, o);
  if (o.op === 'copy') return promote(s, o);
  const variable = /^\/variables\/(.+)$/.exec(o.path);
  if (variable) {
    const key = variable[1] as string;
    if (o.op === 'replace') s.variables[key] = needValue(o);
    else if (o.op === 'remove') {
      if (!(key in s.variables)) throw badRequest(`Cannot remove stage variable ${key}: it is not set`);
      delete s.variables[key];
    } else invalidOp(o, 'replace, remove');
    return;
  }
  if (o.op !== 'replace') return invalidOp(o, 'replace');
  switch (o.path) {
    case '/description':
      s.description = o.value ?? '';
      return;
    case '/deploymentId':
      s.deploymentId = existingDeployment(api, needValue(o));
      return;
    case '/tracingEnabled':
      s.tracingEnabled = needValue(o) === 'true';
      return;
    default:
      throw badRequest(`Invalid patch path '${o.path}' specified for op 'replace'.`);
  }
}

function patchCanary(api: RestApi, s: Stage, o: PatchOperation): void {
  if (o.path === '/canarySettings') {
    if (o.op !== 'remove') return invalidOp(o, 'remove');
    if (!s.canary) throw badRequest('Cannot remove canary settings: the stage has no canary');
    s.canary = undefined;
    return;
  }
  const override = /^\/canarySettings\/stageVariableOverrides\/(.+)$/.exec(o.path);
  if (override) {
    const key = override[1] as string;
    if (o.op === 'replace') canaryOf(s).stageVariableOverrides[key] = needValue(o);
    else if (o.op === 'remove') {
      if (!s.canary || !(key in s.canary.stageVariableOverrides)) {
        throw badRequest(`Cannot remove stage variable override ${key}: it is not set`);
      }
      delete s.canary.stageVariableOverrides[key];
    } else invalidOp(o, 'replace, remove');
    return;
  }
  if (o.op !== 'replace') return invalidOp(o, 'replace');
  switch (o.path) {
    case '/canarySettings/percentTraffic': {
      const n = Number(needValue(o));
      if (o.value?.trim() === '' || !Number.isFinite(n)) {
        throw badRequest(`Invalid value '${o.value}' for percentTraffic: must be a number`);
      }
      canaryOf(s).percentTraffic = checkPercent(n);
      return;
    }
    case '/canarySettings/deploymentId':
      canaryOf(s).deploymentId = existingDeployment(api, needValue(o));
      return;
    case '/canarySettings/useStageCache':
      canaryOf(s).useStageCache = needValue(o) === 'true';
      return;
    default:
      throw badRequest(`Invalid patch path '${o.path}' specified for op 'replace'.`);
  }
}

/** The promotion's copy operations: the canary's deployment and overrides into the stage. */
function promote(s: Stage, o: PatchOperation): void {
  if (!s.canary) throw badRequest('Canary settings are not defined for this stage');
  if (o.from === '/canarySettings/deploymentId' && o.path === '/deploymentId') {
    s.deploymentId = s.canary.deploymentId;
    return;
  }
  if (o.from === '/canarySettings/stageVariableOverrides' && o.path === '/variables') {
    Object.assign(s.variables, s.canary.stageVariableOverrides);
    return;
  }
  throw badRequest(`Invalid copy operation from '${o.from ?? ''}' to '${o.path}'`);
}

/** The stage's canary, created on the stage's own deployment at 0% when there is none (as AWS does). */
function canaryOf(s: Stage): CanarySettings {
  s.canary ??= {
    deploymentId: s.deploymentId,
    percentTraffic: 0,
    stageVariableOverrides: {},
    useStageCache: false,
  };
  return s.canary;
}

function existingDeployment(api: RestApi, id: string): string {
  if (!api.deployments.has(id)) throw badRequest(`Invalid deployment identifier specified: ${id}`);
  return id;
}

function needValue(o: PatchOperation): string {
  if (o.value === undefined)
    throw badRequest(`Invalid null or empty value in patch operation for path ${o.path}`);
  return o.value;
}

function invalidOp(o: PatchOperation, accepted: string): never {
  throw badRequest(`Invalid patch operation specified. Must be one of: [${accepted}] for path ${o.path}`);
}
