/**
 * midl: MID-L (Matrix-Interpolated Dropout Layer) for TypeScript, on a lean tensor engine.
 * The public API: tensors and ops, nn modules, optimizers, the MID-L layer with its sparse
 * inference and cost accounting, the data loaders, and the study's runs and reports.
 */
export * from './tensor/index.js';
export { saveSafetensors, loadSafetensors, encodeSafetensors, decodeSafetensors } from './tensor/safetensors.js';
export type { StateDict, StateEntry } from './tensor/state.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './midl/index.js';
export { trainingLoss, type TrainingHooks, type StepLoss } from './midl/training-step.js';
export { backend, setBackend, ReferenceBackend, type Backend } from './backend/index.js';
export * from './data/index.js';
export { MidlInputError } from './errors.js';
export { buildModel, convLayer, mlp, smallCnn, variants, type Variant, type ModelConfig } from './experiments/models.js';
export { trainEpoch, evaluateAccuracy } from './experiments/train.js';
export { runTraining, modelFromCheckpoint, type RunConfig } from './experiments/run.js';
export { runStudy, type StudyOptions } from './experiments/reproduce.js';
