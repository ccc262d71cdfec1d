/**
 * Picks the backend once per process: the native addon when it loads, else the
 * reference backend with a one-time warning saying why and how to get the fast one.
 * MIDL_BACKEND=reference|native forces a choice (native then fails loudly if absent);
 * MIDL_THREADS=n sets the thread count; MIDL_GEMM=openblas runs the matrix products on
 * OpenBLAS instead of midl's AVX-512 kernel (native/gemm.cc reads it); MIDL_MALLOC=system
 * leaves glibc's malloc as it is (by default the addon makes it keep freed memory, so
 * fresh output arrays do not fault their pages in again: native/allocator.cc).
 */
import { MidlInputError } from '../errors.js';
import type { Backend } from './backend.js';
import { loadNativeBackend } from './native.js';
import { ReferenceBackend } from './reference.js';

export * from './backend.js';
export { ReferenceBackend } from './reference.js';
export { nativeAddon } from './native.js';

let active: Backend | null = null;

function chooseBackend(): Backend {
  const gemm = process.env.MIDL_GEMM;
  if (gemm !== undefined && gemm !== '' && gemm !== 'openblas') {
    throw new MidlInputError(`MIDL_GEMM: unknown kernel '${gemm}' (use 'openblas', or leave it unset for midl's own)`);
  }
  const malloc = process.env.MIDL_MALLOC;
  if (malloc !== undefined && malloc !== '' && malloc !== 'system') {
    throw new MidlInputError(`MIDL_MALLOC: unknown setting '${malloc}' (use 'system', or leave it unset for midl's)`);
  }
  const forced = process.env.MIDL_BACKEND;
  if (forced === 'reference') return new ReferenceBackend();
  if (forced === 'native') return loadNativeBackend();
  if (forced !== undefined && forced !== '') {
    throw new MidlInputError(`MIDL_BACKEND: unknown backend '${forced}' (use 'native' or 'reference')`);
  }
  try {
    return loadNativeBackend();
  } catch (err) {
    // Written at once (emitWarning would print it only when the event loop next runs, which
    // a long synchronous command reaches at its end), so it comes before any work.
    process.stderr.write(
      `midl: WARNING: the native backend did not load (${(err as Error).message}); using the slow ` +
        `reference backend (50-80x slower). To get the fast one: apt-get install build-essential python3 ` +
        `libopenblas-dev, then npm rebuild midl (or npm ci in a checkout). 'midl doctor' shows what is in use.\n`,
    );
    return new ReferenceBackend();
  }
}

/** MIDL_THREADS=n sets the kernels' thread count (default: the number of cores). */
function applyThreadSetting(b: Backend): Backend {
  const raw = process.env.MIDL_THREADS;
  if (raw === undefined || raw === '') return b;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new MidlInputError(`MIDL_THREADS: expected a positive integer, got '${raw}'`);
  b.setThreads(n);
  return b;
}

/** The process-wide backend every tensor op uses. */
export function backend(): Backend {
  if (active === null) active = applyThreadSetting(chooseBackend());
  return active;
}

/** Replaces the process-wide backend (tests use this to compare implementations). */
export function setBackend(b: Backend): void {
  active = b;
}
