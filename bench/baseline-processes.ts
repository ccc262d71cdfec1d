// Runs one half of a baseline (PyTorch or TF.js) as a subprocess and reads its JSON.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type BaselineConfig,
  type Unavailable,
  type BaselineResults,
  type PytorchResult,
  type TfjsResult,
} from './baseline-types.js';

const PYTORCH_SCRIPT = fileURLToPath(new URL('../../bench/pytorch/bench.py', import.meta.url));
const TFJS_SCRIPT = fileURLToPath(new URL('./tfjs/bench.js', import.meta.url));

/** Generous: the machine may be shared, and the TF.js epoch alone takes about a minute. */
const DEFAULT_TIMEOUT_MS: Record<keyof BaselineResults, number> = {
  info: 60_000,
  gemm: 120_000,
  mlp_epoch: 600_000,
  mlp_infer: 300_000,
  midl_layer: 300_000,
  // TF.js stops after 10 batches when its epoch would take over 3 minutes, but the machine may be busy.
  cnn_epoch: 1_200_000,
};

export interface RunOptions {
  timeoutMs?: number;
}

/** Spawns `command args`, returns the JSON object printed on the last stdout line. */
function runJsonProcess(command: string, args: string[], timeoutMs: number): Promise<object> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const where = `${command} ${args[0]}`;
      const stderrTail = stderr.trim().split('\n').slice(-15).join('\n');
      if (signal === 'SIGKILL') {
        reject(new Error(`${where}: killed after the ${timeoutMs / 1000} s timeout\n${stderrTail}`));
        return;
      }
      if (code !== 0) {
        reject(new Error(`${where}: exit ${code ?? signal}\n${stderrTail}`));
        return;
      }
      const lastLine = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(lastLine) as object);
      } catch {
        reject(new Error(`${where}: no JSON on the last stdout line: ${lastLine.slice(0, 200)}\n${stderrTail}`));
      }
    });
  });
}

let pythonChoice: Promise<string | Unavailable> | undefined;

/**
 * The first interpreter that can import torch: $MIDL_PYTHON if set, else
 * python3 on PATH, else /usr/bin/python3 (Debian's python3-torch is only
 * visible to the system interpreter, which a pyenv shim on PATH hides).
 */
function findPython(): Promise<string | Unavailable> {
  pythonChoice ??= (async () => {
    const candidates = process.env.MIDL_PYTHON ? [process.env.MIDL_PYTHON] : ['python3', '/usr/bin/python3'];
    const failures: string[] = [];
    for (const python of candidates) {
      try {
        execFileSync(python, ['-c', 'import torch, numpy'], { stdio: 'pipe', timeout: 60_000 });
        return python;
      } catch (err) {
        const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n').pop();
        failures.push(`${python}: ${stderr || (err as Error).message}`);
      }
    }
    return { unavailable: `no python3 that can import torch and numpy (${failures.join('; ')})` };
  })();
  return pythonChoice;
}

/**
 * Runs one task of bench/pytorch/bench.py. Resolves to `{unavailable}` when no
 * interpreter with torch exists; rejects if the script fails or times out.
 */
export async function runPytorch<T extends keyof BaselineResults>(
  task: T,
  config: BaselineConfig = {},
  options: RunOptions = {},
): Promise<PytorchResult<T> | Unavailable> {
  const python = await findPython();
  if (typeof python !== 'string') return python;
  if (!existsSync(PYTORCH_SCRIPT)) return { unavailable: `${PYTORCH_SCRIPT} is missing` };
  const args = [PYTORCH_SCRIPT, JSON.stringify({ ...config, task })];
  return (await runJsonProcess(python, args, options.timeoutMs ?? DEFAULT_TIMEOUT_MS[task])) as
    | PytorchResult<T>
    | Unavailable;
}

/**
 * Runs one task of dist/bench/tfjs/bench.js in a fresh Node process. Resolves to
 * `{unavailable}` when the TF.js packages cannot load; rejects on failure or timeout.
 */
export async function runTfjs<T extends keyof BaselineResults>(
  task: T,
  config: BaselineConfig = {},
  options: RunOptions = {},
): Promise<TfjsResult<T> | Unavailable> {
  if (!existsSync(TFJS_SCRIPT)) return { unavailable: `${TFJS_SCRIPT} is missing (run tsc first)` };
  const args = [TFJS_SCRIPT, JSON.stringify({ ...config, task })];
  return (await runJsonProcess(process.execPath, args, options.timeoutMs ?? DEFAULT_TIMEOUT_MS[task])) as
    | TfjsResult<T>
    | Unavailable;
}
