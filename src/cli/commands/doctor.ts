/** `midl doctor`: which backend, kernels, threads and libraries this installation runs on. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { backend, type Backend } from '../../backend/index.js';
import { loadNativeBackend } from '../../backend/native.js';
import { defineCommand } from '../command.js';

/** Files mapped into this process whose path matches (Linux /proc/self/maps); empty elsewhere. */
function mappedFiles(pattern: RegExp): string[] {
  let maps: string;
  try {
    maps = fs.readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return [];
  }
  const files = maps.split('\n').map((line) => line.split(/\s+/).slice(5).join(' ')).filter((f) => pattern.test(f));
  return [...new Set(files)];
}

/** Why the native backend is not in use: forced off, or the addon's load error. */
function whyReference(): string {
  if (process.env.MIDL_BACKEND === 'reference') return 'MIDL_BACKEND=reference';
  try {
    loadNativeBackend();
    return 'unknown';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export interface DoctorReport {
  backend: Backend['name'];
  /** Why the reference backend runs (null on the native backend). */
  reference_reason: string | null;
  gemm_kernel: string;
  allocator: string;
  threads: number;
  addon: string | null;
  openblas: string | null;
  node: string;
  platform: string;
  cpu: string;
  cores: number;
}

/** What the process-wide backend is and which files it loaded. */
export function doctorReport(): DoctorReport {
  const b = backend();
  const property = (name: string): string => (name in b ? String(Reflect.get(b, name)) : 'none (reference backend)');
  return {
    backend: b.name,
    reference_reason: b.name === 'reference' ? whyReference() : null,
    gemm_kernel: property('gemmKernel'),
    allocator: property('allocator'),
    threads: b.getThreads(),
    addon: mappedFiles(/midl_native\.node$/)[0] ?? null,
    openblas: mappedFiles(/libopenblas/)[0] ?? null,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
  };
}

function formatReport(r: DoctorReport): string {
  const rows: [string, string][] = [
    ['backend', r.backend === 'native' ? 'native (C++ addon)' : `reference (slow, plain TypeScript): ${r.reference_reason}`],
    ['gemm kernel', `${r.gemm_kernel}${r.backend === 'native' ? ' (MIDL_GEMM=openblas picks OpenBLAS)' : ''}`],
    ['allocator', r.allocator],
    ['threads', `${r.threads} (--threads N or MIDL_THREADS=N to change)`],
    ['addon', r.addon ?? 'not loaded'],
    ['openblas', r.openblas ?? 'not loaded'],
    ['node', `${r.node}, ${r.platform}`],
    ['cpu', `${r.cpu}, ${r.cores} cores`],
  ];
  const lines = rows.map(([k, v]) => `${k.padEnd(12)} ${v}`);
  if (r.backend === 'reference' && r.reference_reason !== 'MIDL_BACKEND=reference') {
    lines.push('', 'To get the fast backend: apt-get install build-essential python3 libopenblas-dev, then npm rebuild midl.');
  }
  return lines.join('\n');
}

export const doctorCommand = defineCommand({
  name: 'doctor',
  summary: 'which backend, GEMM kernel, threads, OpenBLAS and addon this installation uses',
  usage: 'midl doctor [--json] [--threads N]',
  description:
    'Prints the backend the commands run on (native, or the slow reference backend and\n' +
    'why), the GEMM kernel, the allocator setting, the thread count, and the paths of\n' +
    'the native addon and the OpenBLAS library loaded into the process.',
  flags: {},
  async run(v) {
    const report = doctorReport();
    process.stdout.write(`${formatReport(report)}\n`);
    if (v.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  },
});
