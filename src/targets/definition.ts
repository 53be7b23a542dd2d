// The seam between the action and whatever carries the traffic. A target (a Lambda alias, an API
// Gateway stage) is one folder under src/targets/ exporting one TargetDefinition, found by the
// registry from the `target` input. The entry points, the engine, the gates and the report know
// targets only through this file, so a new target changes nothing outside its folder but the
// registry.
import type { AwsClients } from '../aws/clients.js';
import type { Plan } from '../engine/plan.js';
import type { Clock, TrafficTarget } from '../engine/types.js';
import type { RolloutIdentity, RolloutMarker } from '../marker.js';
import type { WeightResolution } from '../strategy.js';

export type ExistingSplitPolicy = 'fail' | 'rollback' | 'resume';

/** Reads one input as the runner passes it; returns '' when unset. */
export type InputReader = (name: string) => string;

/** What a target's own inputs are read with, besides the reader. */
export interface InputContext {
  /** The region the release runs in (valid only when `regionValid`). */
  region: string;
  /** Where the region came from, for messages: 'the "region" input', 'AWS_REGION'. */
  regionFrom: string;
  regionValid: boolean;
}

/** A target's own inputs as read: every problem found; an input with a problem holds its fallback. */
export interface TargetInputsRead<Inputs> {
  inputs: Inputs;
  problems: string[];
  /** Whether input `name` was read without a problem, so that checks against AWS may rely on it. */
  valid: (name: string) => boolean;
}

/** The common inputs that a target's preflight and dry run follow. */
export interface RolloutSettings {
  region: string;
  plan: Plan;
  onExistingSplit: ExistingSplitPolicy;
  dryRun: boolean;
}

/** A row of the report's overview table; `text` is plain (the report escapes it). */
export interface SubjectRow {
  label: string;
  text: string;
  /** A console link for the text. */
  url?: string;
  /** Said after the text in parentheses, e.g. the region. */
  note?: string;
}

/** One CloudWatch dimension. */
export interface MetricDimension {
  Name: string;
  Value: string;
}

/**
 * Where the report reads canary versus baseline: one namespace, a metric for requests, errors and
 * latency (Sum, Sum, p50/p99), and the dimensions that select each side.
 */
export interface MetricQueries {
  namespace: string;
  requests: string;
  errors: string;
  latency: string;
  baseline: MetricDimension[];
  canary: MetricDimension[];
  /**
   * The dimensions of the baseline's own history before the release (all traffic on it then):
   * Lambda's alias-wide metrics. Absent: the baseline's dimensions read further back.
   */
  history?: MetricDimension[];
  /** What the report calls the three: "Invocations", "Errors", "duration" (Lambda's words). */
  labels: { requests: string; errors: string; latency: string };
  /** More counts shown beside them (Sum over the window), e.g. API Gateway's 4XXError. */
  extraCounts?: { metric: string; label: string }[];
  /** Under the table: where the figures come from, e.g. "AWS/Lambda per ExecutedVersion on orders:live". */
  source: string;
  /** Said after the source: the metrics' own delays. Our own words, rendered as Markdown as they are. */
  caveat: string;
  /** What the reads are about, for an error message: "versions 6 and 7 on orders:live". */
  about: string;
}

/** How a target describes itself to the report, the comment and the deployment. Plain JSON. */
export interface ReportSubject {
  /** Display name: "orders:live". */
  name: string;
  /** What traffic moves between, in words: "version" (Lambda), "deployment" (API Gateway). */
  unit: string;
  /** The overview's first rows: the target and its console link. */
  rows: SubjectRow[];
  /** The sticky comment's key: one comment per target and environment, e.g. "lambda/orders/live/prod". */
  commentKey: string;
  /** For the JSON report's file name: "orders-live". */
  fileSlug: string;
  /** The GitHub deployment's payload (besides the two sides). */
  payload: Record<string, string>;
  /** Set once both sides are known (after preflight). */
  metrics?: MetricQueries;
  /**
   * A target made of several (a lockstep release's functions): each one's name and metric
   * queries, so that the analysis judges each. Absent for a single target (`metrics` is its one).
   */
  members?: { name: string; metrics?: MetricQueries }[];
}

/** The two sides of a release: what carries the traffic now, and what it moves to. */
export interface Sides {
  previous: string;
  target: string;
  /** `target` is a placeholder until the release creates it (a new deployment): no output names it. */
  targetUnknown?: boolean;
  /** A target made of several (a lockstep release): each part's sides, in input order; the first is the above. */
  each?: Sides[];
}

/** The writes a dry run would make, for the report's plan (report/plan.ts times them). */
export interface DryRunWrites {
  /** Writes before the first step (clearing a split, publishing), as "Operation: what it does". */
  before: string[];
  /** The write of a traffic step at `weight` percent. */
  step: (weight: number) => string;
  promote: string;
  rollback: string;
  /** A split found and resumed: steps at or below `weight` are skipped, saying `because`. */
  resumed?: { weight: number; because: string };
}

/** One function of a lockstep release, as a traffic hook is told it. */
export interface HookFunction {
  function: string;
  currentVersion: string;
  targetVersion: string;
}

/**
 * The target's part of a traffic hook's payload: `{target, function, alias, currentVersion,
 * targetVersion}` for an alias, `{target, restApiId, stage, currentDeployment, canaryDeployment}`
 * for a stage; null where a side is not known yet (a canary the first step creates). A lockstep
 * release adds `functions`, every function's, beside the first function's fields.
 */
export type HookTargetContext = Record<string, string | null | HookFunction[]>;

/** What preflight may do to the target, in words, for the reason of a cancellation: "before any change to the alias". */
export type ProgressText = string;

/**
 * Preflight's answer. `release`: the checks passed and the target is ready to move (preflight may
 * have written: cleared a split, published). `no-change` and `dry-run` end the run there.
 */
export type PreflightOutcome<Saved> =
  | { kind: 'no-change'; reason: string; sides: Sides; notes: string[] }
  | {
      kind: 'dry-run';
      reason: string;
      /** `target` may be a placeholder ("(to be published)") when `targetUnknown`. */
      sides: Sides;
      /** The new side would be created by the release (published, deployed): no output names it. */
      targetUnknown?: boolean;
      notes: string[];
      writes: DryRunWrites;
      /** The subject as preflight now knows it (e.g. with the API's name), when it knows more. */
      subject?: ReportSubject;
    }
  | {
      kind: 'release';
      target: TrafficTarget;
      sides: Sides;
      notes: string[];
      /** Index of the first plan step to run (later than 0 when resuming a split). */
      firstStep: number;
      /** What the post step needs to rebuild the target (SavedRollout.saved). */
      saved: Saved;
      /** How far preflight got, for a cancellation just after it: "after publishing version 7, ...". */
      progress: ProgressText;
      /** The target's part of a traffic hook's payload, read when the hook runs. */
      hookContext: () => HookTargetContext;
      /**
       * The subject as preflight now knows it (e.g. with the API's name), when it knows more.
       * `sides.target` may be known only once the first step has created it (a new deployment).
       */
      subject?: ReportSubject;
    };

/** What preflight is given besides the target's inputs. */
export interface PreflightContext {
  aws: AwsClients;
  settings: RolloutSettings;
  /** The deployment environment, part of the subject's comment key. */
  environment?: string;
  /**
   * Saves the post step's state again, when the rollout has learnt more of what it needs (the id
   * of a deployment the first step created). The state saved first comes from `saved`.
   */
  resave?: (saved: unknown) => void;
  identity: RolloutIdentity;
  signal: AbortSignal;
  /** Paces a target's writes (a lockstep release's); the system clock when absent. */
  clock?: Clock;
}

export type PostDecision = { action: 'nothing'; why: string } | { action: 'rollback'; why: string };

/** How the post step names a saved rollout, known without asking AWS. */
export interface SavedDescription {
  sides: Sides;
  /** "alias live" */
  short: string;
  /** "alias live of orders" */
  full: string;
  /** The previous side in words: "version 6". */
  previous: string;
}

/** A rollout rebuilt from the state it saved and the marker it left on the target. */
export interface RestoredRollout {
  /** Whether to roll back: only a split this run left, with the target still on its previous side. */
  decision: PostDecision;
  /** How the release ended, as the target tells it (for a report the main step could not publish). */
  ending: 'promoted' | 'started' | 'rolled-back' | 'failed';
  /** The target, ready to roll back (guarded by what was just read). */
  target: TrafficTarget;
}

/** What the split-phase commands (promote, rollback, status) find on the target: read only. */
export interface TargetInspection<Saved> {
  /** The target in words: "alias live of function orders". */
  label: string;
  /** The routing now: what carries the traffic, and the second side with its share in percent. */
  live: { on: string; split?: { to: string; weight: number } };
  marker?: RolloutMarker;
  /** The new side the inputs name (a version, a deployment id); undefined when they name none. */
  requested?: string;
  /** The state a later run rebuilds the marker's rollout from (with `restore`); needs a marker. */
  saved?: Saved;
  /** The target's part of a traffic hook's payload, for the marker's release; needs a marker. */
  hookContext?: HookTargetContext;
  /** A target made of several (a lockstep release): each one inspected; the fields above are the first's. */
  members?: TargetInspection<unknown>[];
  /** The lockstep release the inputs name (releaseMembership); a marker of another membership is refused. */
  membership?: string;
}

export interface TargetDefinition<Inputs = unknown, Saved = unknown> {
  /** The `target` input's value: "lambda-alias". */
  readonly kind: string;
  /** The inputs that belong to this target only; given with another target, they are refused. */
  readonly inputNames: readonly string[];
  /** What weights the target routes; the plan is checked against it with the inputs. */
  readonly weights: WeightResolution;
  /** How a cancellation before any write is said: "before any change to the alias". */
  readonly untouched: string;
  /** Reads and checks the target's own inputs (syntax only). */
  readInputs(read: InputReader, context: InputContext): TargetInputsRead<Inputs>;
  /**
   * Read-only AWS checks of inputs read without a problem: problems in the inputs' words (a
   * missing function); other errors (denied, unreachable) are thrown.
   */
  inputProblems(
    inputs: Inputs,
    valid: (name: string) => boolean,
    aws: AwsClients,
    region: string,
    signal: AbortSignal,
  ): Promise<string[]>;
  /**
   * Everything the service would refuse, checked before any write, then the writes preflight
   * needs; a cancellation (`context.signal`) throws CancelledError saying how far it got.
   */
  preflight(inputs: Inputs, context: PreflightContext): Promise<PreflightOutcome<Saved>>;
  /** The saved state as the post step reads it back; undefined when it is not this target's. */
  parseSaved(saved: unknown): Saved | undefined;
  /** Names the saved rollout for the post step's messages and report. */
  describeSaved(saved: Saved): SavedDescription;
  /** Rebuilds the rollout from its saved state and the marker on the target (the post step, later commands). */
  restore(
    saved: Saved,
    aws: AwsClients,
    region: string,
    run: string,
    signal?: AbortSignal,
  ): Promise<RestoredRollout>;
  /** Reads the target and its marker for a split-phase command; writes nothing. */
  inspect(
    inputs: Inputs,
    aws: AwsClients,
    region: string,
    /** The command's run: the post step's state it saves names it. */
    run: string,
    signal: AbortSignal,
  ): Promise<TargetInspection<Saved>>;
  /** The report's subject; with `sides`, it includes the metric queries. */
  subject(inputs: Inputs, context: { region: string; environment?: string; sides?: Sides }): ReportSubject;
}
