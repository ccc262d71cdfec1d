// What building the native addon needs and a machine lacks: build-native.mjs prints these
// when the build fails, so the user reads the cause, not just a compiler log.
import { spawnSync } from 'node:child_process';

const runs = (command, args, env) => spawnSync(command, args, { stdio: 'ignore', env }).status === 0;

/** The C++ compiler node-gyp will use: $CXX, else the first of c++, g++, clang++ on PATH; null when none runs. */
export function compiler(env = process.env) {
  const candidates = env.CXX ? [env.CXX] : ['c++', 'g++', 'clang++'];
  return candidates.find((cxx) => runs(cxx, ['--version'], env)) ?? null;
}

/** Each missing prerequisite as one plain sentence naming the Debian package that provides it. */
export function missingPrerequisites(env = process.env) {
  const missing = [];
  const cxx = compiler(env);
  if (cxx === null) missing.push('no C++ compiler (c++, g++ or clang++) on PATH: apt package build-essential');
  else {
    const probe = spawnSync(cxx, ['-E', '-x', 'c++', '-'], { input: '#include <cblas.h>\n', stdio: ['pipe', 'ignore', 'ignore'], env });
    if (probe.status !== 0) missing.push(`the OpenBLAS headers (cblas.h) are not found by ${cxx}: apt package libopenblas-dev`);
  }
  if (!runs('make', ['--version'], env)) missing.push('no make on PATH: apt package build-essential');
  if (!runs('python3', ['--version'], env)) missing.push('no python3 on PATH (node-gyp runs it): apt package python3');
  return missing;
}
