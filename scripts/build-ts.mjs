// Compiles the TypeScript (tsc -p tsconfig.json, plus any arguments given, e.g. --outDir DIR)
// and marks the package's bin scripts executable: tsc writes files without the execute bit,
// so after a fresh build `npx midl` would fail with "Permission denied".
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', join(packageRoot, 'tsconfig.json'), ...args], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);

const at = args.indexOf('--outDir');
const outDir = at >= 0 ? resolve(args[at + 1]) : join(packageRoot, 'dist');
const { bin } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
for (const file of Object.values(bin)) chmodSync(join(outDir, file.replace(/^dist\//, '')), 0o755);
