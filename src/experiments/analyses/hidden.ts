/**
 * The hidden representations of a trained model: the output, after its ReLU, of each hidden
 * dense layer (a Linear with ReLU, a MIDL, a StaticSparseLinear), captured during eval-mode
 * forwards. Hidden layers are named hidden1, hidden2, ... in forward order, so one name
 * means the same position in every variant of a benchmark (the dropout variant's Dropout
 * modules shift the module paths, not these names). Dropout is the identity in eval mode,
 * so a Linear's output is also what the next layer reads.
 */
import type { Split } from '../../data/types.js';
import { DataLoader } from '../../data/loader.js';
import { MIDL } from '../../midl/layer.js';
import { StaticSparseLinear } from '../../midl/static-sparse.js';
import { Linear } from '../../nn/linear.js';
import type { AnyModule } from '../../nn/module.js';
import { Sequential } from '../../nn/sequential.js';
import { Tensor, noGrad } from '../../tensor/tensor.js';

export interface HiddenLayer {
  /** hidden1, hidden2, ... in forward order. */
  name: string;
  /** The module's dotted path in the model (e.g. '1', '8'). */
  path: string;
  module: AnyModule;
  width: number;
}

/** Activations of one layer on n examples: n x width, row-major. */
export interface Representation {
  layer: HiddenLayer;
  values: Float32Array;
  n: number;
  d: number;
}

function hiddenWidth(m: AnyModule): number | null {
  if (m instanceof MIDL || m instanceof StaticSparseLinear) return m.outFeatures;
  if (m instanceof Linear && m.activation === 'relu') return m.outFeatures;
  return null;
}

/** The model's hidden dense layers in forward order. */
export function hiddenLayers(model: AnyModule): HiddenLayer[] {
  const found: HiddenLayer[] = [];
  for (const [path, module] of model.namedModules()) {
    const width = hiddenWidth(module);
    if (width !== null) found.push({ name: `hidden${found.length + 1}`, path, module, width });
  }
  return found;
}

/** The layers named, by hidden name or module path; all hidden layers when names is undefined. */
export function pickLayers(model: AnyModule, names?: string[]): HiddenLayer[] {
  const all = hiddenLayers(model);
  if (names === undefined) return all;
  return names.map((name) => {
    const layer = all.find((l) => l.name === name || l.path === name);
    if (layer === undefined) {
      const known = all.map((l) => `${l.name} (${l.path})`).join(', ');
      throw new RangeError(`no hidden layer '${name}'; the model has ${known || 'none'}`);
    }
    return layer;
  });
}

/**
 * The modules a forward runs one after another: a Sequential's layers (recursively), or the
 * module itself. MID-L counts as one step, its inner Linears being part of it.
 */
export function forwardSteps(model: AnyModule): AnyModule[] {
  return model instanceof Sequential ? model.layers.flatMap(forwardSteps) : [model];
}

/**
 * Runs fn with every module in modules reporting (module, input, output) after its forward,
 * by shadowing its forward method; the original methods come back even when fn throws.
 */
export function withForwardHook<T>(
  modules: AnyModule[], hook: (m: AnyModule, input: Tensor, output: Tensor) => void, fn: () => T,
): T {
  for (const m of modules) {
    const original = Object.getPrototypeOf(m).forward as (x: Tensor) => Tensor;
    m.forward = (x: Tensor): Tensor => {
      const y = original.call(m, x);
      hook(m, x, y);
      return y;
    };
  }
  try {
    return fn();
  } finally {
    for (const m of modules) delete (m as { forward?: unknown }).forward;
  }
}

/** Eval-mode activations of the given layers on every example of the split, with their labels. */
export function captureHidden(
  model: AnyModule, data: Split, inputShape: number[], layers: HiddenLayer[], batchSize = 500,
): { representations: Representation[]; labels: Int32Array } {
  const n = data.count;
  const outputs = new Map<AnyModule, Float32Array>(layers.map((l) => [l.module, new Float32Array(n * l.width)]));
  let row = 0;
  model.eval();
  withForwardHook(layers.map((l) => l.module), (m, _input, y) => outputs.get(m)?.set(y.data, row * (y.size / y.shape[0])), () =>
    noGrad(() => {
      for (const batch of new DataLoader(data, { batchSize, shuffle: false }).epoch()) {
        model.forward(new Tensor(batch.x, [batch.size, ...inputShape]));
        row += batch.size;
      }
    }),
  );
  const representations = layers.map((layer) => ({ layer, values: outputs.get(layer.module) as Float32Array, n, d: layer.width }));
  return { representations, labels: Int32Array.from(data.y) };
}
