export * from './layer.js';
export * from './conv.js';
export * from './kernels.js';
export * from './gating.js';
export { selectionModes, type SelectionMode } from './adaptive.js';
export * from './activity.js';
export * from './shape.js';
export * from './static-sparse.js';
export * from './cost.js';
