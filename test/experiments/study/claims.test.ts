import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Claims, STALE_MS } from '../../../src/experiments/study/claims.js';
import { readAllRecords, RECORD_FORMAT, theirStudy, writeRecord, type UnitRecord } from '../../../src/experiments/study/records.js';
import { describeMachine } from '../../../src/experiments/machine.js';
import { studyKey, type StudySpec } from '../../../src/experiments/study/units.js';
import { tempDir } from '../../helpers.js';

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

function writeClaim(dir: string, id: string, owner: { host: string; pid: number }, ageMs = 0): void {
  const file = path.join(dir, 'claims', `${id}.claim`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ ...owner, token: `t${owner.pid}`, since: new Date().toISOString() }));
  const t = new Date(Date.now() - ageMs);
  fs.utimesSync(file, t, t);
}

describe('claims', () => {
  it('let one claimant run a unit; others wait until it releases', async () => {
    const dir = tempDir();
    const a = new Claims(dir);
    const b = new Claims(dir);
    assert.equal(a.tryClaim('u1'), true);
    assert.equal(b.tryClaim('u1'), false, 'held by a live process');
    assert.equal(b.tryClaim('u2'), true);
    a.release('u1');
    assert.equal(b.tryClaim('u1'), true);
    await a.close();
    await b.close();
  });

  it('are refreshed while held, even when the main thread is busy', async () => {
    const dir = tempDir();
    const c = new Claims(dir, 100);
    assert.equal(c.tryClaim('busy'), true);
    const file = path.join(dir, 'claims', 'busy.claim');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    const end = Date.now() + 1500;
    while (Date.now() < end) {
      // Training blocks the event loop like this; the heartbeat runs on its own thread.
    }
    assert.ok(fs.statSync(file).mtimeMs > Date.now() - 2000, 'mtime refreshed');
    await c.close();
  });

  it('take over a claim left by a dead process, or by a host that stopped beating', async () => {
    const dir = tempDir();
    const c = new Claims(dir);
    writeClaim(dir, 'killed', { host: os.hostname(), pid: deadPid() });
    assert.equal(c.tryClaim('killed'), true);
    assert.equal(c.owner('killed')?.pid, process.pid);
    writeClaim(dir, 'silent', { host: 'elsewhere', pid: 1 }, STALE_MS + 5000);
    assert.equal(c.tryClaim('silent'), true);
    writeClaim(dir, 'beating', { host: 'elsewhere', pid: 1 }, 1000);
    assert.equal(c.tryClaim('beating'), false);
    await c.close();
    assert.deepEqual(fs.readdirSync(path.join(dir, 'claims')).sort(), ['beating.claim', 'killed.claim', 'silent.claim']);
  });
});

describe('records', () => {
  it('from two study configurations are refused with one line', () => {
    const dir = tempDir();
    const spec: StudySpec = {
      datasets: ['adult'], models: ['dense'], seeds: [1], keep: 0.45, quick: true, data_dir: 'd', override: {}, analyses: null,
    };
    const record = (s: StudySpec, id: string): UnitRecord => ({
      format: RECORD_FORMAT, id, study: studyKey(s), spec: s, machine: describeMachine(),
      started_at: new Date().toISOString(), finished_at: new Date().toISOString(), skipped: 'test',
    });
    writeRecord(dir, record(spec, 'a'));
    assert.deepEqual(theirStudy(readAllRecords(dir), dir), spec);
    writeRecord(dir, record({ ...spec, keep: 0.3 }, 'b'));
    assert.throws(() => theirStudy(readAllRecords(dir), dir), (e: Error) => /2 different study configurations/.test(e.message) && !e.message.includes('\n'));
    fs.writeFileSync(path.join(dir, 'records', 'c.json'), '{"format": "midl-study-rec');
    assert.throws(() => readAllRecords(dir), /c\.json: not a readable study record/);
  });
});
