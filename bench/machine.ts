// The machine a benchmark ran on: CPU, its flags, load, and the versions in use.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { type Unavailable, isUnavailable } from './baseline-types.js';
import { runPytorch } from './baseline-processes.js';

export interface MachineInfo {
  cpuModel: string;
  /** the SIMD extensions that matter for float32 kernels, from /proc/cpuinfo */
  cpuFlags: string[];
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  torch: string | null;
  torchThreads: number | null;
  python: string | null;
  tfjs: string | null;
  /** OpenBLAS's own build string (version, target core), else the Debian package version */
  openblas: string | null;
  loadAverage: number[];
}

function cpuFlags(): string[] {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    const flags = new Set(line?.split(':')[1].trim().split(/\s+/) ?? []);
    return ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512_bf16', 'avx512_vnni'].filter((f) => flags.has(f));
  } catch {
    return [];
  }
}

function packageVersion(name: string): string | null {
  try {
    const path = createRequire(import.meta.url).resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

function debianPackageVersion(name: string): string | null {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', name], { stdio: 'pipe' }).toString().trim() || null;
  } catch {
    return null;
  }
}

export async function machineInfo(): Promise<MachineInfo> {
  const cpus = os.cpus();
  const info = await runPytorch('info').catch((err: Error): Unavailable => ({ unavailable: err.message }));
  const torch = isUnavailable(info) ? null : info.runtime;
  const debianOpenblas = debianPackageVersion('libopenblas0');
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuFlags: cpuFlags(),
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    torch: torch?.torchVersion ?? null,
    torchThreads: torch?.threads ?? null,
    python: torch?.python ?? null,
    tfjs: packageVersion('@tensorflow/tfjs-core'),
    openblas:
      torch && !isUnavailable(torch.openblas)
        ? torch.openblas.config
        : debianOpenblas && `Debian libopenblas0 ${debianOpenblas}`,
    loadAverage: os.loadavg(),
  };
}
