// The package's install script: builds the native addon with node-gyp. A failed build
// is not fatal: it says plainly that it failed and why (no C++ compiler, no OpenBLAS
// headers, ...), how to fix it, and exits 0 so the package still installs and runs on
// the (slow) reference backend.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingPrerequisites } from './native-prerequisites.mjs';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** node-gyp as npm runs it for lifecycle scripts, else the copy bundled with npm, else npx. */
function nodeGypCommand() {
  const bundledBeside = (npmDir) => join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && bundledBeside(join(dirname(process.env.npm_execpath), '..')),
    bundledBeside(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm')),
  ];
  const script = candidates.find((file) => file && existsSync(file));
  return script ? [process.execPath, script] : ['npx', '--no-install', 'node-gyp'];
}

function warn(reason) {
  const missing = missingPrerequisites();
  const lines = [
    '',
    'midl: WARNING: the native build FAILED; midl will run 50-80x slower on its reference backend.',
    `  What failed: ${reason}`,
    ...(missing.length > 0 ? ['  Why:', ...missing.map((m) => `    - ${m}`)] : []),
    '  midl still works, on its slow reference backend (plain TypeScript).',
    '  To get the fast backend, install a C++ toolchain, Python 3 and OpenBLAS, then rebuild:',
    '    sudo apt-get install build-essential python3 libopenblas-dev',
    '    npm rebuild midl        (or, in a checkout of midl: npm rebuild)',
    "  Then 'npx midl doctor' shows the backend in use.",
    '',
  ];
  console.warn(lines.join('\n'));
}

/** Outside npm (which passes its nodedir setting on), use the running Node's own headers when installed. */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = resolve(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

const [command, ...args] = nodeGypCommand();
const result = spawnSync(command, [...args, 'rebuild', ...nodedirArgs()], { cwd: packageRoot, stdio: 'inherit' });
if (result.error) {
  warn(`could not run node-gyp (${command}): ${result.error.message}`);
} else if (result.status !== 0) {
  warn(`node-gyp rebuild exited with status ${result.status ?? `signal ${result.signal}`} (see the compiler output above)`);
} else if (!existsSync(join(packageRoot, 'build', 'Release', 'midl_native.node'))) {
  warn('node-gyp reported success but build/Release/midl_native.node is missing');
}
process.exit(0);
