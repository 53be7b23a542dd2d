/**
 * CloudWatch over its JSON 1.0 protocol (`X-Amz-Target: GraniteServiceVersion20100801.<Op>`),
 * with query-compatible error codes in `x-amzn-query-error`, as the current SDK expects.
 */
import {
  ApiError,
  isRecord,
  num,
  resolveRpc,
  str,
  type Operation,
  type RpcOperation,
  type Service,
  type SimRequest,
  type SimResponse,
} from '../core/http.js';
import {
  AlarmStore,
  isComparison,
  validation,
  type Alarm,
  type AlarmState,
  type CompositeAlarm,
  type MetricAlarm,
  type TreatMissingData,
} from './alarms.js';
import {
  MetricStore,
  dimensionsOf,
  isValidStatistic,
  parseQueries,
  runQueries,
  type MetricDataQuery,
} from './metrics.js';

const TARGET = 'GraniteServiceVersion20100801';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

const invalidParameter = (message: string): ApiError =>
  new ApiError(400, 'InvalidParameterValueException', message, { queryCode: 'InvalidParameterValue' });
const missingParameter = (name: string): ApiError =>
  new ApiError(400, 'MissingRequiredParameterException', `The parameter ${name} is required.`, {
    queryCode: 'MissingParameter',
  });

export class CloudWatchService implements Service {
  readonly name = 'cloudwatch' as const;
  readonly alarms: AlarmStore;
  private readonly operations: Record<string, RpcOperation>;

  constructor(
    readonly metrics: MetricStore,
    region: string,
    accountId: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.alarms = new AlarmStore(metrics, `arn:aws:cloudwatch:${region}:${accountId}`);
    const alarmName = (i: Record<string, unknown>): string | undefined => str(i, 'AlarmName');
    const alarmNames = (i: Record<string, unknown>): string | undefined =>
      Array.isArray(i['AlarmNames']) ? i['AlarmNames'].join(',') : undefined;
    this.operations = {
      PutMetricData: { handler: (i) => this.putMetricData(i), target: (i) => str(i, 'Namespace') },
      GetMetricData: { handler: (i) => this.getMetricData(i) },
      GetMetricStatistics: { handler: (i) => this.getMetricStatistics(i) },
      ListMetrics: { handler: (i) => this.listMetrics(i) },
      PutMetricAlarm: { handler: (i) => this.putMetricAlarm(i), target: alarmName },
      PutCompositeAlarm: { handler: (i) => this.putCompositeAlarm(i), target: alarmName },
      DescribeAlarms: { handler: (i) => this.describeAlarms(i) },
      SetAlarmState: { handler: (i) => this.setAlarmState(i), target: alarmName },
      DeleteAlarms: { handler: (i) => this.deleteAlarms(i), target: alarmNames },
    };
  }

  resolve(req: SimRequest): Operation | undefined {
    if (req.method !== 'POST') return undefined;
    return resolveRpc(
      req,
      TARGET,
      this.operations,
      {
        unknownOperation: (op) =>
          new ApiError(
            400,
            'UnknownOperationException',
            `The local cloud does not implement CloudWatch ${op}.`,
            {
              queryCode: 'InvalidAction',
            },
          ),
        invalidBody: (message) =>
          new ApiError(400, 'SerializationException', message, { queryCode: 'MalformedInput' }),
      },
      CONTENT_TYPE,
    );
  }

  errorResponse(err: ApiError): SimResponse {
    const sender = err.status < 500 ? 'Sender' : 'Receiver';
    return {
      status: err.status,
      headers: {
        'content-type': CONTENT_TYPE,
        'x-amzn-query-error': `${err.extra.queryCode ?? err.code};${sender}`,
        ...err.extra.headers,
      },
      body: JSON.stringify({
        __type: `com.amazonaws.cloudwatch#${err.code}`,
        message: err.message,
        ...err.extra.fields,
      }),
    };
  }

  throttleError(): ApiError {
    return new ApiError(400, 'ThrottlingException', 'Rate exceeded', { queryCode: 'Throttling' });
  }

  internalError(): ApiError {
    return new ApiError(500, 'InternalServiceFault', 'Internal service error (injected fault).', {
      queryCode: 'InternalServiceError',
    });
  }

  /** Runs an operation on an input object as if it came over the wire (scenarios use this). */
  handle(operation: string, input: Record<string, unknown>): unknown {
    const op = this.operations[operation];
    if (!op)
      throw new ApiError(400, 'UnknownOperationException', `Unknown CloudWatch operation ${operation}`);
    return op.handler(input);
  }

  tick(now: number): void {
    this.alarms.tick(now);
  }

  reset(): void {
    this.metrics.clear();
    this.alarms.clear();
  }

  // --- metrics -------------------------------------------------------------------------------

  private putMetricData(i: Record<string, unknown>): unknown {
    const ns = str(i, 'Namespace');
    if (!ns) throw missingParameter('Namespace');
    if (ns.startsWith('AWS/')) {
      throw invalidParameter(`The value ${ns} for parameter Namespace is invalid.`);
    }
    const data = i['MetricData'];
    if (!Array.isArray(data) || data.length === 0) throw missingParameter('MetricData');
    if (data.length > 1000)
      throw invalidParameter('The collection MetricData must not have more than 1000 members.');
    for (const d of data) {
      if (!isRecord(d)) continue;
      const metricName = str(d, 'MetricName');
      if (!metricName) throw missingParameter('MetricData.member.N.MetricName');
      const metric = {
        namespace: ns,
        metricName,
        dimensions: dimensionsOf(Array.isArray(d['Dimensions']) ? d['Dimensions'] : []),
      };
      const t = d['Timestamp'] === undefined ? this.clock() : toMs(d['Timestamp'], 'Timestamp');
      const unit = str(d, 'Unit');
      const stats = d['StatisticValues'];
      if (isRecord(stats)) {
        this.metrics.putStatisticSet(
          metric,
          t,
          {
            SampleCount: num(stats, 'SampleCount') ?? 0,
            Sum: num(stats, 'Sum') ?? 0,
            Minimum: num(stats, 'Minimum') ?? 0,
            Maximum: num(stats, 'Maximum') ?? 0,
          },
          unit,
        );
      } else if (Array.isArray(d['Values'])) {
        const counts = Array.isArray(d['Counts']) ? (d['Counts'] as number[]) : undefined;
        this.metrics.put(metric, t, d['Values'] as number[], counts, unit);
      } else {
        const v = num(d, 'Value');
        if (v === undefined) throw missingParameter('MetricData.member.N.Value');
        this.metrics.put(metric, t, [v], undefined, unit);
      }
    }
    return {};
  }

  private getMetricData(i: Record<string, unknown>): unknown {
    const queries = parseQueries(i['MetricDataQueries']);
    if (i['StartTime'] === undefined) throw missingParameter('StartTime');
    if (i['EndTime'] === undefined) throw missingParameter('EndTime');
    const start = toMs(i['StartTime'], 'StartTime');
    const end = toMs(i['EndTime'], 'EndTime');
    if (end <= start) throw validation('The parameter StartTime must be less than the parameter EndTime.');
    const scanBy = str(i, 'ScanBy') ?? 'TimestampDescending';
    if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
      throw invalidParameter(`The value ${scanBy} for parameter ScanBy is not valid.`);
    }
    const results = runQueries(this.metrics, queries, start, end, scanBy === 'TimestampAscending');
    return {
      MetricDataResults: results.map((r) => ({
        Id: r.Id,
        Label: r.Label,
        Timestamps: r.timestamps.map((t) => t / 1000),
        Values: r.values,
        StatusCode: r.StatusCode,
      })),
      Messages: [],
    };
  }

  private getMetricStatistics(i: Record<string, unknown>): unknown {
    const ns = str(i, 'Namespace') ?? '';
    const metricName = str(i, 'MetricName') ?? '';
    const period = num(i, 'Period') ?? 60;
    const start = toMs(i['StartTime'], 'StartTime');
    const end = toMs(i['EndTime'], 'EndTime');
    const stats = [
      ...(Array.isArray(i['Statistics']) ? (i['Statistics'] as string[]) : []),
      ...(Array.isArray(i['ExtendedStatistics']) ? (i['ExtendedStatistics'] as string[]) : []),
    ];
    const dims = dimensionsOf(Array.isArray(i['Dimensions']) ? i['Dimensions'] : []);
    const byTime = new Map<number, Record<string, unknown>>();
    for (const s of stats) {
      const points = this.metrics.aggregate(
        { namespace: ns, metricName, dimensions: dims },
        start,
        end,
        period,
        s,
      );
      for (const [t, v] of points) {
        const dp = byTime.get(t) ?? { Timestamp: t / 1000 };
        if (s.startsWith('p')) dp['ExtendedStatistics'] = { ...(dp['ExtendedStatistics'] as object), [s]: v };
        else dp[s] = v;
        byTime.set(t, dp);
      }
    }
    return { Label: metricName, Datapoints: [...byTime.values()] };
  }

  private listMetrics(i: Record<string, unknown>): unknown {
    const ns = str(i, 'Namespace');
    const name = str(i, 'MetricName');
    return {
      Metrics: this.metrics
        .list()
        .filter((s) => (!ns || s.namespace === ns) && (!name || s.metricName === name))
        .map((s) => ({
          Namespace: s.namespace,
          MetricName: s.metricName,
          Dimensions: Object.entries(s.dimensions).map(([Name, Value]) => ({ Name, Value })),
        })),
    };
  }

  // --- alarms --------------------------------------------------------------------------------

  private putMetricAlarm(i: Record<string, unknown>): unknown {
    const name = requiredName(i);
    const comparison = str(i, 'ComparisonOperator');
    if (!comparison) throw missingParameter('ComparisonOperator');
    if (!isComparison(comparison)) {
      throw validation(
        `The value ${comparison} for parameter ComparisonOperator is not supported by the local cloud.`,
      );
    }
    const evaluationPeriods = num(i, 'EvaluationPeriods');
    if (evaluationPeriods === undefined) throw missingParameter('EvaluationPeriods');
    if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1) {
      throw validation('The parameter EvaluationPeriods must be greater than or equal to 1.');
    }
    const datapointsToAlarm = num(i, 'DatapointsToAlarm') ?? evaluationPeriods;
    if (datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods) {
      throw validation('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
    }
    const threshold = num(i, 'Threshold');
    if (threshold === undefined) throw validation('Threshold must be set unless ThresholdMetricId is used.');
    const treat = str(i, 'TreatMissingData') ?? 'missing';
    if (!['missing', 'ignore', 'breaching', 'notBreaching'].includes(treat)) {
      throw validation(`The value ${treat} for parameter TreatMissingData is not valid.`);
    }
    const metricName = str(i, 'MetricName');
    const metricsRaw = i['Metrics'];
    if (metricName && metricsRaw !== undefined) {
      throw new ApiError(
        400,
        'InvalidParameterCombinationException',
        'Metrics and MetricName cannot both be set.',
        {
          queryCode: 'InvalidParameterCombination',
        },
      );
    }
    let period: number;
    let metrics: MetricDataQuery[] | undefined;
    const statistic = str(i, 'Statistic');
    const extendedStatistic = str(i, 'ExtendedStatistic');
    if (metricsRaw !== undefined) {
      metrics = parseQueries(metricsRaw);
      const returned = metrics.filter((q) => q.ReturnData !== false);
      if (returned.length !== 1) {
        throw validation('Exactly one element of the Metrics list must have ReturnData set to true.');
      }
      const r = returned[0] as MetricDataQuery;
      period =
        r.MetricStat?.Period ?? r.Period ?? metrics.find((q) => q.MetricStat)?.MetricStat?.Period ?? 60;
      // Keep only the returned query visible to the evaluator's result list.
      metrics = metrics.map((q) => (q === r ? q : { ...q, ReturnData: false }));
    } else {
      if (!metricName) throw validation('Either MetricName or Metrics must be set.');
      if (!str(i, 'Namespace')) throw missingParameter('Namespace');
      if (!statistic === !extendedStatistic) {
        throw new ApiError(
          400,
          'InvalidParameterCombinationException',
          'Exactly one of Statistic or ExtendedStatistic must be set.',
          { queryCode: 'InvalidParameterCombination' },
        );
      }
      const stat = (statistic ?? extendedStatistic) as string;
      if (!isValidStatistic(stat))
        throw invalidParameter(`The value ${stat} for parameter Statistic is not valid.`);
      period = num(i, 'Period') ?? 0;
      if (period < 1) throw missingParameter('Period');
    }
    const description = str(i, 'AlarmDescription');
    if (description !== undefined && description.length > 1024) {
      throw validation('AlarmDescription must have length less than or equal to 1024.');
    }
    this.alarms.putMetricAlarm(
      {
        name,
        description,
        actionsEnabled: i['ActionsEnabled'] !== false,
        alarmActions: strings(i['AlarmActions']),
        okActions: strings(i['OKActions']),
        insufficientDataActions: strings(i['InsufficientDataActions']),
        namespace: str(i, 'Namespace'),
        metricName,
        dimensions: dimensionsOf(Array.isArray(i['Dimensions']) ? i['Dimensions'] : []),
        statistic,
        extendedStatistic,
        unit: str(i, 'Unit'),
        period,
        evaluationPeriods,
        datapointsToAlarm,
        threshold,
        comparison,
        treatMissingData: treat as TreatMissingData,
        metrics,
      },
      this.clock(),
    );
    return {};
  }

  private putCompositeAlarm(i: Record<string, unknown>): unknown {
    const name = requiredName(i);
    const rule = str(i, 'AlarmRule');
    if (!rule) throw missingParameter('AlarmRule');
    if (rule.length > 10240) throw validation('AlarmRule must have length less than or equal to 10240.');
    this.alarms.putCompositeAlarm(
      {
        name,
        rule,
        description: str(i, 'AlarmDescription'),
        actionsEnabled: i['ActionsEnabled'] !== false,
        alarmActions: strings(i['AlarmActions']),
        okActions: strings(i['OKActions']),
        insufficientDataActions: strings(i['InsufficientDataActions']),
      },
      this.clock(),
    );
    return {};
  }

  private describeAlarms(i: Record<string, unknown>): unknown {
    const names = i['AlarmNames'] === undefined ? undefined : strings(i['AlarmNames']);
    const prefix = str(i, 'AlarmNamePrefix');
    if (names && names.length > 100) {
      throw validation('The collection AlarmNames must not have more than 100 members.');
    }
    if (names && prefix !== undefined) {
      throw new ApiError(
        400,
        'InvalidParameterCombinationException',
        'AlarmNames and AlarmNamePrefix cannot be used together.',
        { queryCode: 'InvalidParameterCombination' },
      );
    }
    const types = i['AlarmTypes'] === undefined ? ['MetricAlarm'] : strings(i['AlarmTypes']);
    for (const t of types) {
      if (t !== 'MetricAlarm' && t !== 'CompositeAlarm') {
        throw validation(`The value ${t} for parameter AlarmTypes is not valid.`);
      }
    }
    const stateValue = str(i, 'StateValue');
    const maxRecords = num(i, 'MaxRecords') ?? 50;
    if (maxRecords < 1 || maxRecords > 100) throw validation('MaxRecords must be between 1 and 100.');
    const children = str(i, 'ChildrenOfAlarmName');
    const parents = str(i, 'ParentsOfAlarmName');
    let selected: Alarm[] = [...this.alarms.alarms.values()].sort((a, b) => a.name.localeCompare(b.name));
    if (names) selected = selected.filter((a) => names.includes(a.name));
    if (prefix !== undefined) selected = selected.filter((a) => a.name.startsWith(prefix));
    if (children !== undefined) {
      const set = new Set(this.alarms.childrenOf(children));
      selected = selected.filter((a) => set.has(a.name));
    }
    if (parents !== undefined) {
      const set = new Set(this.alarms.parentsOf(parents));
      selected = selected.filter((a) => set.has(a.name));
    }
    if (stateValue) selected = selected.filter((a) => a.state === stateValue);
    selected = selected.filter((a) => types.includes(a.kind === 'metric' ? 'MetricAlarm' : 'CompositeAlarm'));
    const offset = Number(str(i, 'NextToken') ?? '0');
    if (!Number.isInteger(offset) || offset < 0) {
      throw new ApiError(400, 'InvalidNextToken', 'The service returned an invalid NextToken.', {
        queryCode: 'InvalidNextToken',
      });
    }
    const page = selected.slice(offset, offset + maxRecords);
    const next = offset + maxRecords < selected.length ? String(offset + maxRecords) : undefined;
    return {
      MetricAlarms: page.filter((a): a is MetricAlarm => a.kind === 'metric').map(metricAlarmOut),
      CompositeAlarms: page.filter((a): a is CompositeAlarm => a.kind === 'composite').map(compositeAlarmOut),
      ...(next ? { NextToken: next } : {}),
    };
  }

  private setAlarmState(i: Record<string, unknown>): unknown {
    const name = requiredName(i);
    const state = str(i, 'StateValue');
    if (state !== 'OK' && state !== 'ALARM' && state !== 'INSUFFICIENT_DATA') {
      throw validation(`The value ${state ?? ''} for parameter StateValue is not valid.`);
    }
    const reason = str(i, 'StateReason');
    if (reason === undefined) throw missingParameter('StateReason');
    const reasonData = str(i, 'StateReasonData');
    if (reasonData !== undefined) {
      try {
        JSON.parse(reasonData);
      } catch {
        throw new ApiError(400, 'InvalidFormatFault', 'StateReasonData is not valid JSON.', {
          queryCode: 'InvalidFormat',
        });
      }
    }
    this.alarms.setState(name, state as AlarmState, reason, reasonData, this.clock());
    return {};
  }

  private deleteAlarms(i: Record<string, unknown>): unknown {
    const names = strings(i['AlarmNames']);
    const missing = names.filter((n) => !this.alarms.alarms.has(n));
    if (missing.length > 0) {
      throw new ApiError(404, 'ResourceNotFound', `Alarms not found: ${missing.join(', ')}`, {
        queryCode: 'ResourceNotFound',
      });
    }
    this.alarms.delete(names, this.clock());
    return {};
  }
}

function requiredName(i: Record<string, unknown>): string {
  const name = str(i, 'AlarmName');
  if (!name) throw missingParameter('AlarmName');
  if (name.length > 255) throw validation('AlarmName must have length less than or equal to 255.');
  return name;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** A timestamp member: epoch seconds (what the SDK sends) or an ISO string. */
function toMs(v: unknown, name: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v * 1000;
  if (typeof v === 'string') {
    const n = Number(v);
    if (Number.isFinite(n)) return n * 1000;
    const d = Date.parse(v);
    if (Number.isFinite(d)) return d;
  }
  throw invalidParameter(`The value for parameter ${name} is not a valid timestamp.`);
}

const seconds = (ms: number): number => ms / 1000;

function alarmCommonOut(a: Alarm): Record<string, unknown> {
  return {
    AlarmName: a.name,
    AlarmArn: a.arn,
    ...(a.description !== undefined ? { AlarmDescription: a.description } : {}),
    AlarmConfigurationUpdatedTimestamp: seconds(a.configUpdatedMs),
    ActionsEnabled: a.actionsEnabled,
    OKActions: a.okActions,
    AlarmActions: a.alarmActions,
    InsufficientDataActions: a.insufficientDataActions,
    StateValue: a.state,
    StateReason: a.stateReason,
    ...(a.stateReasonData !== undefined ? { StateReasonData: a.stateReasonData } : {}),
    StateUpdatedTimestamp: seconds(a.stateUpdatedMs),
    StateTransitionedTimestamp: seconds(a.stateTransitionedMs),
  };
}

function metricAlarmOut(a: MetricAlarm): Record<string, unknown> {
  return {
    ...alarmCommonOut(a),
    ...(a.metricName !== undefined ? { MetricName: a.metricName } : {}),
    ...(a.namespace !== undefined ? { Namespace: a.namespace } : {}),
    ...(a.statistic !== undefined ? { Statistic: a.statistic } : {}),
    ...(a.extendedStatistic !== undefined ? { ExtendedStatistic: a.extendedStatistic } : {}),
    Dimensions: Object.entries(a.dimensions).map(([Name, Value]) => ({ Name, Value })),
    ...(a.metrics ? { Metrics: a.metrics } : { Period: a.period }),
    ...(a.unit !== undefined ? { Unit: a.unit } : {}),
    EvaluationPeriods: a.evaluationPeriods,
    DatapointsToAlarm: a.datapointsToAlarm,
    Threshold: a.threshold,
    ComparisonOperator: a.comparison,
    TreatMissingData: a.treatMissingData,
  };
}

function compositeAlarmOut(a: CompositeAlarm): Record<string, unknown> {
  return { ...alarmCommonOut(a), AlarmRule: a.rule };
}

/** Plain views of alarms for the control API (same shapes as DescribeAlarms). */
export function alarmView(a: Alarm): Record<string, unknown> {
  return a.kind === 'metric'
    ? { ...metricAlarmOut(a), Frozen: a.frozen }
    : { ...compositeAlarmOut(a), Frozen: a.frozen };
}
