// The planner-in-the-loop public surface: config parsing, the tick driver the replay core calls,
// and the report writers.

export * from './types.js';
export * from './config.js';
export { capabilitiesFromEngineArgs } from './capabilities.js';
export type { EngineLatencyOracle, BootstrapResult, BootstrapStatus } from './bootstrap.js';
export { DEFAULT_BENCHMARK_GRANULARITY, prefillGridIsls, decodeGridPoints, hasAicIdentity, NO_AIC_IDENTITY_NOTE } from './bootstrap.js';
export { ReplayPlanner } from './replay-planner.js';
export { aicForwardPassModels } from './aic-perf-model.js';
export { PlannerScalingState } from './scaling.js';
export type { EngineFpm, FpmObservations, WorkerCounts, ScalingDecision, TickDiagnostics } from './scaling.js';
export { PlannerEnginePerfModel, EnginePerfModel } from './perf-model.js';
export type { EngineCapacity, CapacityRequest } from './perf-model.js';
export type { ReplayCapabilities, ReplayOracles, ReplayPlannerOptions, PlannerSummary, PlannerMetadata, GpuAccounting } from './replay-planner.js';
export { loadWarmupTrace, warmupObservations, LoadPredictor, createPredictor } from './predictors.js';
export type { TrafficObservation, WarmupRequest, LoadPrediction } from './predictors.js';
export {
  buildPlannerReportSection,
  formatPlannerTrailer,
  formatScalingEvents,
  formatScalingEventsBlock,
  PLANNER_INT_KEYS,
  tickJson,
} from './report-json.js';
export { buildPlannerReportHtml, writePlannerReport, defaultReportFilename, PANEL_TITLES } from './report-html.js';
export type { WrittenPlannerReport } from './report-html.js';
