/**
 * wasm-mlp: multilayer perceptrons trained by backpropagation, with the math in a Rust core
 * compiled to WebAssembly SIMD and a pure-TypeScript float64-capable reference.
 *
 * @example
 * import { Network, crossCheck } from 'wasm-mlp';
 * const net = await Network.create({ layers: [2, 3, 1], learningRate: 0.5 });
 * for (let i = 0; i < 1000; i++) net.trainStep([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0]);
 * @module
 */
export { Network } from './network/network.js';
export type { Evaluation, EvaluateOptions, PredictOptions } from './network/network.js';
export { toRows } from './labels.js';
export type { MetricName, MetricValues } from './metrics.js';
export { Standardizer, type StandardizerJSON } from './standardizer.js';
export type { NetworkParameters, ParametersInput, Gradients } from './network/parameters.js';
export type { SaveOptions, SafetensorsSaveOptions, LoadOptions } from './network/persistence.js';
export { JSON_FORMAT_VERSION } from './io/json.js';
export type { ModelJSON } from './io/json.js';
export type { Architecture } from './io/record.js';
export type { ClassWeight, WeightOptions } from './training/sample-weights.js';
export type { WeightLayout, SafetensorsReadOptions } from './io/model-safetensors.js';
export { FIT_DEFAULTS } from './fit.js';
export type {
  FitOptions,
  History,
  HistoryMetrics,
  EpochLog,
  BatchLog,
  EarlyStoppingOptions,
  ValidationSplit,
  ValMetricName,
  ValMetricValues,
} from './fit.js';
export { DEFAULT_SHUFFLE_BUFFER } from './data/dataset.js';
export type { Dataset, DatasetItem, DatasetSource, DatasetFitOptions } from './data/dataset.js';
export type {
  LearningRateSchedule,
  StepSchedule,
  ExponentialSchedule,
  CosineSchedule,
  PlateauSchedule,
} from './training/schedules.js';
export type { CheckpointOptions, CheckpointInfo, CheckpointFormat } from './training/checkpoint.js';
export { MODEL_DEFAULTS, ROW_SUM_TOLERANCE } from './model.js';
export type {
  ActivationName,
  ActivationOption,
  Activation,
  LossName,
  Reduction,
  OptimizerName,
  OptimizerOption,
  Optimizer,
  InitializerName,
} from './model.js';
export type { ClipOptions, Clipping } from './training/clipping.js';
export { crossCheck, CROSS_CHECK_REL_FLOOR } from './cross-check.js';
export type { CrossCheckResult, CrossCheckOptions, Difference } from './cross-check.js';
export type { ThreadInfo, ThreadsOption } from './backends/wasm/threads.js';
export { DEFAULTS } from './options.js';
export type { NetworkOptions } from './options.js';
export type {
  ArrayFor,
  BackendName,
  Dtype,
  OptimizerState,
  Ordering,
  WasmSource,
} from './types.js';
export type { MatrixInput } from './inputs.js';
export {
  WasmMlpError,
  ShapeError,
  NonFiniteError,
  OptionError,
  StateError,
  TargetError,
  DivergenceError,
  FormatError,
  OutOfMemoryError,
  WorkerError,
  type WorkerFailure,
  CheckpointError,
} from './errors.js';
