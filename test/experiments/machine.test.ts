import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { otherCpuMeter, type CpuClocks } from '../../src/experiments/machine.js';

/** Clocks that read the given (machine busy, own CPU, wall) seconds, one triple per read. */
function scripted(...readings: Array<[number | null, number, number]>): CpuClocks {
  let at = -1;
  const next = (): [number | null, number, number] => readings[Math.min(readings.length - 1, ++at)];
  let current: [number | null, number, number] = readings[0];
  return {
    machineBusy: () => (current = next())[0],
    ownCpu: () => current[1],
    wall: () => current[2],
  };
}

test('otherCpuMeter: the machine\'s busy time minus this process\'s, per second of wall time', () => {
  // 4 s of wall time; the machine was busy 7 core-seconds, 3 of them this process's own.
  assert.equal(otherCpuMeter(scripted([100, 10, 50], [107, 13, 54]))(), 1);
  // This process alone, on two threads: nothing else counts.
  assert.equal(otherCpuMeter(scripted([100, 10, 50], [108, 18, 54]))(), 0);
  // Jiffy rounding can make the difference slightly negative: never below 0.
  assert.equal(otherCpuMeter(scripted([100, 10, 50], [107.99, 18, 54]))(), 0);
  assert.equal(otherCpuMeter(scripted([null, 10, 50], [null, 13, 54]))(), null);
});

test('otherCpuMeter reads this machine (a number of cores, at most the machine\'s)', { skip: !existsSync('/proc/stat') && 'no /proc/stat' }, async () => {
  const meter = otherCpuMeter();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const other = meter();
  assert.ok(typeof other === 'number' && other >= 0 && other <= (await import('node:os')).cpus().length + 0.5, `${other}`);
});
