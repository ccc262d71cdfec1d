export * from './module.js';
export * from './init.js';
export * from './linear.js';
export * from './conv.js';
export * from './layers.js';
export * from './dropout.js';
export * from './embedding.js';
export * from './sequential.js';
export * from './sparse.js';
export * from './batchnorm.js';
export {
  crossEntropy,
  binaryCrossEntropyWithLogits,
  mseLoss,
} from '../tensor/ops/losses.js';
