export * from './tensor.js';
export * from './rng.js';
export * from './ops/index.js';
