/**
 * The local cloud's whole state: every service, the metric store, traffic, faults and the
 * writes log, with one clock tick that drives traffic, alarm evaluation and deployments.
 */
import { ApiGatewayService } from '../apigateway/apigateway.js';
import { ApiGatewayV2Service } from '../apigateway/apigatewayv2.js';
import { CloudWatchService } from '../cloudwatch/cloudwatch.js';
import { CodeDeployService } from '../codedeploy/codedeploy.js';
import type { Service } from './http.js';
import { LambdaService } from '../lambda/lambda.js';
import { MetricStore } from '../cloudwatch/metrics.js';
import { Faults } from './faults.js';
import { GitHubService } from '../github/github.js';
import { Rng } from './rng.js';
import { TrafficGenerator } from './traffic.js';
import { WritesLog } from './writes.js';

export interface CloudOptions {
  /** Seed of every random choice (routing, errors, latency, faults). Default 1. */
  seed: number;
  /** Resolution of generated metrics, in seconds (Lambda's is 60). Default 60. */
  metricPeriodSeconds: number;
  /** How long LastUpdateStatus stays InProgress after a code or configuration update. Default 1000. */
  updateSettleMs: number;
  /** How long one CodeDeploy "minute" lasts (traffic intervals, hook timeout), in ms. Default 60000. */
  codedeployMinuteMs: number;
  /** How long an alarm is in ALARM before CodeDeploy's deployments notice it, in ms. Default 0. */
  codedeployAlarmDelayMs: number;
  /** Least time between two API Gateway CreateDeployment calls (AWS's quota: 5000). Default 5000. */
  createDeploymentIntervalMs: number;
  region: string;
  accountId: string;
}

export const DEFAULT_OPTIONS: CloudOptions = {
  seed: 1,
  metricPeriodSeconds: 60,
  updateSettleMs: 1000,
  codedeployMinuteMs: 60_000,
  codedeployAlarmDelayMs: 0,
  createDeploymentIntervalMs: 5000,
  region: 'us-east-1',
  accountId: '123456789012',
};

/** How long metric data is kept. */
const RETENTION_MS = 3 * 3600 * 1000;

export class Cloud {
  options: CloudOptions;
  metrics!: MetricStore;
  lambda!: LambdaService;
  cloudwatch!: CloudWatchService;
  faults!: Faults;
  traffic!: TrafficGenerator;
  github!: GitHubService;
  apigateway!: ApiGatewayService;
  apigatewayv2!: ApiGatewayV2Service;
  codedeploy!: CodeDeployService;
  readonly writes = new WritesLog();
  private lastPrune = 0;

  constructor(
    options: Partial<CloudOptions> = {},
    readonly clock: () => number = Date.now,
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...defined(options) };
    this.build();
  }

  /** Drops every resource, metric, traffic stream and fault; keeps the writes log. */
  reset(options: Partial<CloudOptions> = {}): void {
    this.options = { ...this.options, ...defined(options) };
    this.build();
  }

  private build(): void {
    const rng = new Rng(this.options.seed);
    const { region, accountId } = this.options;
    this.metrics = new MetricStore(this.options.metricPeriodSeconds);
    this.lambda = new LambdaService({
      region,
      accountId,
      metrics: this.metrics,
      rng: rng.fork('lambda'),
      updateSettleMs: this.options.updateSettleMs,
      clock: this.clock,
    });
    this.cloudwatch = new CloudWatchService(this.metrics, region, accountId, this.clock);
    this.faults = new Faults(rng.fork('faults'));
    this.traffic = new TrafficGenerator(this.clock);
    this.github = new GitHubService(this.clock);
    this.apigateway = new ApiGatewayService({
      metrics: this.metrics,
      rng: rng.fork('apigateway'),
      clock: this.clock,
      lambda: () => this.lambda,
      createDeploymentIntervalMs: this.options.createDeploymentIntervalMs,
    });
    this.apigatewayv2 = new ApiGatewayV2Service(region, this.clock, (id) => this.apigateway.apis.has(id));
    this.codedeploy = new CodeDeployService({
      lambda: this.lambda,
      alarms: this.cloudwatch.alarms,
      rng: rng.fork('codedeploy'),
      clock: this.clock,
      minuteMs: this.options.codedeployMinuteMs,
      alarmDelayMs: this.options.codedeployAlarmDelayMs,
      // CodeDeploy's own UpdateAlias calls, as CloudTrail would show them (its service principal).
      onAliasWrite: ({ deploymentId, functionName, alias }) =>
        this.writes.add({
          service: 'lambda',
          operation: 'UpdateAlias',
          time: new Date(this.clock()).toISOString(),
          target: `${this.lambda.parseName(functionName).name}:${alias}`,
          method: 'PUT',
          path: `/2015-03-31/functions/${encodeURIComponent(functionName)}/aliases/${encodeURIComponent(alias)}`,
          status: 200,
          userAgent: `codedeploy.amazonaws.com (deployment ${deploymentId})`,
        }),
    });
  }

  /** The services in dispatch order (JSON-RPC targets first, then REST paths). */
  services(): Service[] {
    return [this.cloudwatch, this.codedeploy, this.lambda, this.apigateway, this.apigatewayv2, this.github];
  }

  service(name: string): Service | undefined {
    return this.services().find((s) => s.name === name);
  }

  /** One step of simulated time: traffic first, then alarms see the fresh data, then deployments see the alarms. */
  tick(now = this.clock()): void {
    this.traffic.tick(now);
    this.cloudwatch.tick(now);
    this.codedeploy.tick(now);
    if (now - this.lastPrune > 60_000) {
      this.metrics.prune(now - RETENTION_MS);
      this.lastPrune = now;
    }
  }
}

/** The options that are set (an option given as undefined keeps its default). */
function defined(options: Partial<CloudOptions>): Partial<CloudOptions> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
