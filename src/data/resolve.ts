/** Finding a dataset's files: an explicit directory, else $MIDL_DATA_DIR, else the per-user cache. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MidlInputError } from '../errors.js';
import { sources } from './sources.js';
import type { DatasetName } from './types.js';

export interface ResolvedDir {
  /** The directory the files are (or, after a download, will be) in. */
  dir: string;
  /** data-dir: given explicitly, never downloaded into; env/cache: a data root that downloads fill. */
  origin: 'data-dir' | 'env' | 'cache';
  /** Whether dir already holds a readable copy. */
  present: boolean;
}

/**
 * The places a dataset may sit under root, in the order they are tried: root itself, the folder
 * the official archive unpacks to, and the dataset's usual folder names (each possibly holding
 * that archive folder).
 */
export function candidateDirs(root: string, name: DatasetName): string[] {
  const { folders, archiveFolder } = sources[name];
  const inner = (dir: string): string[] => (archiveFolder === undefined ? [dir] : [dir, path.join(dir, archiveFolder)]);
  return [...inner(root), ...[name, ...folders.filter((f) => f !== name)].flatMap((f) => inner(path.join(root, f)))];
}

/** The first candidate directory under root that holds the dataset, or null. */
export function findDatasetDir(root: string, name: DatasetName): string | null {
  return candidateDirs(root, name).find((dir) => sources[name].present(dir)) ?? null;
}

/** The per-user cache root: $XDG_CACHE_HOME/midl, else ~/.cache/midl. */
export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return path.join(xdg !== undefined && xdg !== '' ? xdg : path.join(os.homedir(), '.cache'), 'midl');
}

/** Decides where a dataset's files come from; an explicit dataDir lacking them is a MidlInputError. */
export function resolveDataDir(
  name: DatasetName,
  opts: { dataDir?: string; cacheDir?: string; env?: NodeJS.ProcessEnv } = {},
): ResolvedDir {
  if (opts.dataDir !== undefined) {
    const root = path.resolve(opts.dataDir);
    if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
      throw new MidlInputError(`data directory ${root}: not found`);
    }
    const dir = findDatasetDir(root, name);
    if (dir === null) {
      const looked = candidateDirs(root, name).map((d) => path.relative(root, d) || '.').join(', ');
      throw new MidlInputError(`${name}: ${root} does not hold ${sources[name].needed} (looked in ${looked})`);
    }
    return { dir, origin: 'data-dir', present: true };
  }
  const envRoot = (opts.env ?? process.env).MIDL_DATA_DIR;
  const useEnv = opts.cacheDir === undefined && envRoot !== undefined && envRoot !== '';
  const root = path.resolve(useEnv ? envRoot : opts.cacheDir ?? defaultCacheRoot(opts.env));
  const found = findDatasetDir(root, name);
  return { dir: found ?? path.join(root, name), origin: useEnv ? 'env' : 'cache', present: found !== null };
}
