/**
 * Unit records: each finished unit of the study leaves DIR/records/<id>.json, written
 * atomically, holding its result and the study spec it belongs to. results.json and the
 * report are assembled from these files alone, whichever process wrote them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import { MidlInputError } from '../../errors.js';
import type { FrontierPoint } from '../frontier.js';
import type { Analyses, DataLimit, MachineInfo, RunRecord } from '../results.js';
import { studyKey, type StudySpec } from './units.js';

export const RECORD_FORMAT = 'midl-study-record-1';

export interface UnitRecord {
  format: typeof RECORD_FORMAT;
  id: string;
  /** studyKey(spec): records with another key belong to another study. */
  study: string;
  spec: StudySpec;
  machine: MachineInfo;
  started_at: string;
  finished_at: string;
  /** A run unit's result, and the epochs and examples its dataset used. */
  run?: RunRecord;
  dataset_config?: { epochs: number; limits: DataLimit };
  /** An analysis unit's results (one analysis), or an extra training's of the robustness analysis. */
  analyses?: Analyses;
  /** A frontier training's point. */
  frontier_point?: FrontierPoint;
  /** Set instead of a result when the unit's dataset could not be loaded. */
  skipped?: string;
}

export function recordsDir(outDir: string): string {
  return path.join(outDir, 'records');
}

export function recordFile(outDir: string, id: string): string {
  return path.join(recordsDir(outDir), `${id}.json`);
}

export function writeRecord(outDir: string, record: UnitRecord): void {
  writeFileAtomic(recordFile(outDir, record.id), `${JSON.stringify(record, null, 2)}\n`);
}

function parseRecord(file: string): UnitRecord {
  let r: UnitRecord;
  try {
    r = JSON.parse(fs.readFileSync(file, 'utf8')) as UnitRecord;
  } catch (err) {
    throw new MidlInputError(`${file}: not a readable study record: ${(err as Error).message.split('\n')[0]}`);
  }
  const ok = typeof r === 'object' && r !== null && r.format === RECORD_FORMAT && typeof r.id === 'string' &&
    typeof r.study === 'string' && typeof r.spec === 'object' && r.spec !== null &&
    (r.run !== undefined || r.analyses !== undefined || r.frontier_point !== undefined || typeof r.skipped === 'string');
  if (!ok) throw new MidlInputError(`${file}: not a study record (expected format '${RECORD_FORMAT}' with a result)`);
  if (path.basename(file) !== `${r.id}.json`) throw new MidlInputError(`${file}: holds the record of unit '${r.id}'`);
  return r;
}

/** A unit's record, or null when it has none yet. */
export function readRecord(outDir: string, id: string): UnitRecord | null {
  const file = recordFile(outDir, id);
  return fs.existsSync(file) ? parseRecord(file) : null;
}

/** Every record in DIR/records (temporary files of unfinished writes are ignored). */
export function readAllRecords(outDir: string): UnitRecord[] {
  const dir = recordsDir(outDir);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir)
    .filter((name) => name.endsWith('.json') && !name.startsWith('.'))
    .sort()
    .map((name) => parseRecord(path.join(dir, name)));
}

/**
 * The one study the records belong to; a one-line error when they come from several
 * study configurations (say, two reproduce commands with different flags and the same --out).
 */
export function theirStudy(records: UnitRecord[], where: string): StudySpec {
  if (records.length === 0) throw new MidlInputError(`${where}: no study records (run 'midl reproduce --out ${path.dirname(where)}' first)`);
  const keys = new Map<string, UnitRecord[]>();
  for (const r of records) keys.set(r.study, [...(keys.get(r.study) ?? []), r]);
  if (keys.size > 1) {
    const parts = [...keys].map(([key, rs]) => `${key} (${rs.length} records, e.g. ${rs[0].id})`);
    throw new MidlInputError(`${where}: records from ${keys.size} different study configurations: ${parts.join(', ')}; use one --out per study`);
  }
  const spec = records[0].spec;
  if (studyKey(spec) !== records[0].study) throw new MidlInputError(`${where}: record ${records[0].id}: its study key does not match its spec`);
  return spec;
}
