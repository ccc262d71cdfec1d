// TensorFlow.js (wasm backend) baseline for `npm run bench`.
//
// Usage: node dist/bench/tfjs/bench.js '<json config>'   (or the JSON on stdin)
// Runs one task (see bench/compare.ts for the config and result shapes) and
// prints exactly one JSON object on stdout; {"unavailable": "..."} when the
// TF.js packages cannot be loaded.
//
// Backend notes (tfjs 4.22 in Node): the wasm binaries are found next to the
// package's own dist/ file without setWasmPaths. tfjs-backend-wasm hard-codes
// "no multithreading" under Node (its threaded build needs blob: workers, which
// Node's Worker rejects), so the SIMD single-threaded binary is what runs.

import { loadavg } from 'node:os';
import { type BaselineConfig, type BaselineTask, type TfjsRuntime } from '../compare.js';
import { type Tf } from './models.js';
import { taskGemm, taskMlpEpoch, taskCnnEpoch, taskMlpInfer, taskMidlLayer } from './tasks.js';

async function readConfig(): Promise<BaselineConfig & { task?: BaselineTask | 'info' }> {
  let text = process.argv[2];
  if (text === undefined) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  }
  return text.trim() === '' ? {} : JSON.parse(text);
}

// ------------------------------------------------------------------ main

async function runtimeInfo(tf: Tf, wasm: typeof import('@tensorflow/tfjs-backend-wasm')): Promise<TfjsRuntime> {
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const multithread = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
  return {
    engine: 'tfjs',
    tfjsVersion: tf.version_core,
    wasmVersion: wasm.version_wasm,
    backend: tf.getBackend(),
    wasmBinary: simd ? (multithread ? 'threaded-simd' : 'simd') : 'plain',
    threads: wasm.getThreadsCount(),
    node: process.version,
    loadAverage: loadavg(),
  };
}

async function main(): Promise<void> {
  const config = await readConfig();
  let tf: Tf;
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    tf = await import('@tensorflow/tfjs-core');
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    console.log(JSON.stringify({ unavailable: `TF.js packages not loadable: ${(err as Error).message}` }));
    return;
  }
  if (!(await tf.setBackend('wasm'))) {
    console.log(JSON.stringify({ unavailable: 'the TF.js wasm backend failed to initialize' }));
    return;
  }
  const tasks = {
    info: () => ({}),
    gemm: () => taskGemm(tf, config),
    mlp_epoch: () => taskMlpEpoch(tf, config),
    mlp_infer: () => taskMlpInfer(tf, config),
    midl_layer: () => taskMidlLayer(tf, config),
    cnn_epoch: () => taskCnnEpoch(tf, config),
  };
  const task = config.task;
  if (task === undefined || !(task in tasks)) {
    console.error(`unknown task ${JSON.stringify(task)}; expected one of ${Object.keys(tasks).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const result = tasks[task]();
  console.log(JSON.stringify({ task, runtime: await runtimeInfo(tf, wasm), ...result }));
}

await main();
