/**
 * GEMM throughput of the native backend against OpenBLAS called directly from C
 * (bench/gemm_openblas.c, compiled here), same shapes, same thread count, median of
 * many timed calls after warm-up. C = A B^T, the layout of a dense layer's forward pass.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadNativeBackend } from '../src/backend/native.js';
import { Rng } from '../src/tensor/rng.js';

const run = promisify(execFile);

export interface GemmResult {
  /** [M, N, K] */
  shape: [number, number, number];
  midl_gflops: number;
  openblas_gflops: number;
  /** midl_gflops / openblas_gflops */
  ratio: number;
}

const SHAPES: [number, number, number][] = [[256, 1024, 784], [128, 512, 784]];
const SAMPLES = 60;

/** Package root: this file runs from dist/bench/. */
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

async function compileOpenblasProbe(dir: string): Promise<string> {
  const source = path.join(packageRoot, 'bench', 'gemm_openblas.c');
  const binary = path.join(dir, 'gemm_openblas');
  await run('cc', ['-O2', '-o', binary, source, '-lopenblas']);
  return binary;
}

function nativeGflops(M: number, N: number, K: number): number {
  const backend = loadNativeBackend();
  const rng = new Rng(1);
  const A = rng.fillUniform(new Float32Array(M * K), -0.5, 0.5);
  const B = rng.fillUniform(new Float32Array(N * K), -0.5, 0.5);
  const C = new Float32Array(M * N);
  for (let w = 0; w < 5; w++) backend.gemm(false, true, M, N, K, 1, A, B, 0, C);
  const seconds: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const start = process.hrtime.bigint();
    backend.gemm(false, true, M, N, K, 1, A, B, 0, C);
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  seconds.sort((a, b) => a - b);
  return (2 * M * N * K) / seconds[Math.floor(SAMPLES / 2)] / 1e9;
}

export async function benchGemm(): Promise<GemmResult[]> {
  const threads = loadNativeBackend().getThreads();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'midl-gemm-'));
  try {
    const probe = await compileOpenblasProbe(dir);
    const results: GemmResult[] = [];
    for (const [M, N, K] of SHAPES) {
      const midl = nativeGflops(M, N, K);
      const { stdout } = await run(probe, [M, N, K, threads, SAMPLES].map(String));
      const openblas = (JSON.parse(stdout) as { gflops: number }).gflops;
      results.push({ shape: [M, N, K], midl_gflops: midl, openblas_gflops: openblas, ratio: midl / openblas });
    }
    return results;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
