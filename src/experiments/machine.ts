/** What machine a result came from: every reported number states it. */
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
