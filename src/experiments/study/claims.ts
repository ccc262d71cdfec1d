/**
 * Claims: a unit is run by at most one process at a time. A claim is a file
 * DIR/claims/<id>.claim created with O_EXCL, naming its owner (host, pid); the owner
 * refreshes its mtime every HEARTBEAT_MS from a worker thread (training blocks the main
 * thread). A claim is stale, and may be taken over, when its owner is a dead process on
 * this host, or its mtime is older than STALE_MS (an owner on another host that stopped
 * beating), so a claim left by a killed process never blocks a rerun.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

export const HEARTBEAT_MS = 10_000;
export const STALE_MS = 6 * HEARTBEAT_MS;

export interface ClaimOwner {
  host: string;
  pid: number;
  /** Unique per claim, so a take-over can tell a stale claim from a fresh one. */
  token: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Refreshes the mtime of the claims this process holds, beside the (possibly busy) main thread. */
const heartbeatSource = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const held = new Set();
parentPort.on('message', (m) => (m.add ? held.add(m.add) : held.delete(m.remove)));
setInterval(() => { const now = new Date(); for (const f of held) { try { fs.utimesSync(f, now, now); } catch {} } }, workerData);
`;

export class Claims {
  private readonly dir: string;
  private readonly host = os.hostname();
  private worker: Worker | null = null;

  /** Claims under DIR/claims; `heartbeatMs` how often held claims are refreshed (tests shorten it). */
  constructor(outDir: string, private readonly heartbeatMs = HEARTBEAT_MS) {
    this.dir = path.join(outDir, 'claims');
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.claim`);
  }

  /** The claim's owner, or null when the unit is unclaimed (or its claim unreadable mid-write). */
  owner(id: string): (ClaimOwner & { mtimeMs: number }) | null {
    try {
      const owner = JSON.parse(fs.readFileSync(this.file(id), 'utf8')) as ClaimOwner;
      return { ...owner, mtimeMs: fs.statSync(this.file(id)).mtimeMs };
    } catch {
      return null;
    }
  }

  /** Whether a claim's owner is gone: a dead process here, or no heartbeat for STALE_MS. */
  isStale(owner: ClaimOwner & { mtimeMs: number }, now = Date.now()): boolean {
    if (owner.host === this.host && !alive(owner.pid)) return true;
    return now - owner.mtimeMs > STALE_MS;
  }

  /**
   * Claims the unit for this process: true when it is now ours, false when a live owner
   * holds it. A stale claim is moved aside atomically and claimed afresh.
   */
  tryClaim(id: string): boolean {
    fs.mkdirSync(this.dir, { recursive: true });
    const mine: ClaimOwner = { host: this.host, pid: process.pid, token: randomBytes(8).toString('hex'), since: new Date().toISOString() };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.writeFileSync(this.file(id), JSON.stringify(mine), { flag: 'wx' });
        this.beat({ add: this.file(id) });
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = this.owner(id);
      if (owner === null) continue;
      if (!this.isStale(owner)) return false;
      this.removeStale(id, owner.token);
    }
    return false;
  }

  /** Moves a stale claim aside; if another process had already replaced it, puts that claim back. */
  private removeStale(id: string, staleToken: string): void {
    const aside = `${this.file(id)}.${process.pid}.stale`;
    try {
      fs.renameSync(this.file(id), aside);
    } catch {
      return;
    }
    let moved: ClaimOwner | null = null;
    try {
      moved = JSON.parse(fs.readFileSync(aside, 'utf8')) as ClaimOwner;
    } catch {
      // A claim being written: not the stale one.
    }
    if (moved?.token !== staleToken) {
      try {
        fs.linkSync(aside, this.file(id));
      } catch {
        // A third process claimed meanwhile: its claim stands.
      }
    }
    fs.rmSync(aside, { force: true });
  }

  release(id: string): void {
    this.beat({ remove: this.file(id) });
    fs.rmSync(this.file(id), { force: true });
  }

  private beat(message: { add: string } | { remove: string }): void {
    if (this.worker === null) {
      this.worker = new Worker(heartbeatSource, { eval: true, workerData: this.heartbeatMs });
      this.worker.unref();
    }
    this.worker.postMessage(message);
  }

  /** Stops the heartbeat thread (claims still held stop being refreshed). */
  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}
