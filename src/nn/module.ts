/**
 * Module: the base of every layer and model, as in torch.nn. A module owns named
 * parameters and child modules; names nest with '.', so state-dict keys match PyTorch's
 * (`0.weight`, `head.bias`, ...) and weights move between frameworks through safetensors.
 */
import { Tensor } from '../tensor/tensor.js';

import type { StateDict, StateEntry } from '../tensor/state.js';

export type { StateDict, StateEntry } from '../tensor/state.js';

/** In is what forward takes: a Tensor for most layers, ids for embeddings. */
export abstract class Module<In = Tensor> {
  training = true;
  private readonly ownParameters = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, StateEntry>();
  private readonly children = new Map<string, AnyModule>();

  abstract forward(x: In): Tensor;

  /** Registers a trainable tensor under a name (it gets requiresGrad). */
  protected registerParameter(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    this.ownParameters.set(name, t);
    return t;
  }

  /** Registers non-trainable state saved with the model (e.g. a fixed index set). */
  protected registerBuffer(name: string, entry: StateEntry): void {
    this.ownBuffers.set(name, entry);
  }

  protected buffer(name: string): StateEntry {
    const b = this.ownBuffers.get(name);
    if (b === undefined) throw new Error(`no buffer '${name}'`);
    return b;
  }

  protected registerModule<M extends AnyModule>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /** Swaps the child registered under name for another (same name, same position). */
  protected replaceModule(name: string, m: AnyModule): void {
    if (!this.children.has(name)) throw new Error(`no child module '${name}'`);
    this.children.set(name, m);
  }

  /** Child modules in registration order. */
  namedChildren(): Array<[string, AnyModule]> {
    return [...this.children];
  }

  /** This module and all below it, with dotted names ('' for this one). */
  namedModules(prefix = ''): Array<[string, AnyModule]> {
    const out: Array<[string, AnyModule]> = [[prefix, this as AnyModule]];
    for (const [name, child] of this.children) out.push(...child.namedModules(join(prefix, name)));
    return out;
  }

  namedParameters(prefix = ''): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [name, t] of this.ownParameters) out.push([join(prefix, name), t]);
    for (const [name, child] of this.children) out.push(...child.namedParameters(join(prefix, name)));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Number of trainable values. */
  parameterCount(): number {
    return this.parameters().reduce((n, t) => n + t.size, 0);
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const t of this.parameters()) t.grad?.fill(0);
  }

  /** Parameters and buffers by dotted name; the entries share the live arrays. */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of m.ownParameters) {
        out.set(join(prefix, name), { dtype: 'F32', shape: [...t.shape], data: t.data });
      }
      for (const [name, b] of m.ownBuffers) out.set(join(prefix, name), b);
    }
    return out;
  }

  /** Copies values in; every key must exist with the same shape and dtype, and none may be missing. */
  loadStateDict(state: StateDict, source = 'state dict'): void {
    const own = this.stateDict();
    for (const key of own.keys()) {
      if (!state.has(key)) throw new Error(`${source}: missing tensor '${key}'`);
    }
    for (const [key, entry] of state) {
      const target = own.get(key);
      if (target === undefined) throw new Error(`${source}: unexpected tensor '${key}'`);
      if (target.dtype !== entry.dtype || target.shape.join('x') !== entry.shape.join('x')) {
        throw new Error(
          `${source}: tensor '${key}' is ${entry.dtype} [${entry.shape.join(', ')}], ` +
            `the model expects ${target.dtype} [${target.shape.join(', ')}]`,
        );
      }
      target.data.set(entry.data);
    }
    for (const [, m] of this.namedModules()) m.stateLoaded();
  }

  /** Called on every submodule after loadStateDict: modules that cache values derived from their state refresh them. */
  protected stateLoaded(): void {}
}

/** A module of any input type (for containers and walks). */
export type AnyModule = Module<any>;

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}
