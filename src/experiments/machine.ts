/** What machine a result came from: every reported number states it. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { backend } from '../backend/index.js';
import type { MachineInfo } from './results.js';

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    backend: backend().name,
    threads: backend().getThreads(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/** Seconds all cores spent busy since boot (Linux /proc/stat, USER_HZ = 100), or null elsewhere. */
function machineBusySeconds(): number | null {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return [user, nice, system, irq, softirq, steal ?? 0].reduce((a, b) => a + b, 0) / 100;
  } catch {
    return null;
  }
}

/** The clocks otherCpuMeter reads, in seconds (replaceable in tests). */
export interface CpuClocks {
  machineBusy(): number | null;
  ownCpu(): number;
  wall(): number;
}

const systemClocks: CpuClocks = {
  machineBusy: machineBusySeconds,
  ownCpu: () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  },
  wall: () => Number(process.hrtime.bigint()) / 1e9,
};

/**
 * Starts measuring how many cores other processes keep busy (the machine's busy time minus
 * this process's own CPU time, over the wall time); the returned function ends the
 * measurement and gives that mean number of cores, or null where /proc/stat is missing.
 * Unlike the load average, it does not count this process's own threads, nor lag by a minute.
 */
export function otherCpuMeter(clocks: CpuClocks = systemClocks): () => number | null {
  const busy0 = clocks.machineBusy();
  const own0 = clocks.ownCpu();
  const wall0 = clocks.wall();
  return () => {
    const busy1 = clocks.machineBusy();
    const wall = clocks.wall() - wall0;
    if (busy0 === null || busy1 === null || !(wall > 0)) return null;
    const other = (busy1 - busy0 - (clocks.ownCpu() - own0)) / wall;
    return Math.round(Math.max(0, other) * 100) / 100;
  };
}
