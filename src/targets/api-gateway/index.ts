// The API Gateway REST stage canary target, as one import for the registry to wire in.
export {
  createStageClients,
  describeStageState,
  readStage,
  retryAfterMs,
  stageLabel,
  Pacer,
  type StageClients,
  type StageRef,
  type StageState,
} from './aws.js';
export {
  parseStageInputs,
  parseStageVariables,
  readPercent,
  STAGE_CANARY_WEIGHTS,
  STAGE_INPUT_NAMES,
  toPercentTraffic,
  type ReadInput,
  type StageInputs,
  type StageInputsResult,
} from './inputs.js';
export {
  deploymentDescription,
  prepareStageRelease,
  StagePreflightError,
  type ExistingSplitPolicy,
  type StageApi,
  type StagePreflightInputs,
  type StageRelease,
} from './preflight.js';
export {
  decideFromStage,
  inspectStageForPost,
  parseSavedStage,
  type SavedStageRollout,
  type StagePostDecision,
} from './state.js';
export {
  stageConsoleUrl,
  stageMetricQueries,
  stageReportSubject,
  type StageMetricQuery,
  type StageReportSubject,
  type StageSubjectInput,
} from './subject.js';
export {
  StageCanaryTarget,
  StageChangedError,
  type CanarySource,
  type StageCanaryOptions,
  type StageIdentity,
} from './target.js';
