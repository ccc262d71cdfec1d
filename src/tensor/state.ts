/** Named tensors as saved and loaded: a model's parameters and buffers, an optimizer's moments. */
export interface StateEntry {
  dtype: 'F32' | 'I32';
  shape: number[];
  data: Float32Array | Int32Array;
}

export type StateDict = Map<string, StateEntry>;
