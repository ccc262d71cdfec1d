import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { MidlInputError } from '../../src/errors.js';
import { decodeSafetensors, encodeSafetensors, loadSafetensors, saveSafetensors } from '../../src/tensor/safetensors.js';
import type { StateDict } from '../../src/tensor/state.js';
import { tempDir } from '../helpers.js';

function sample(): StateDict {
  return new Map([
    ['0.weight', { dtype: 'F32', shape: [2, 3], data: Float32Array.of(1, -2.5, 3, 0, 1e-8, -7) }],
    ['0.bias', { dtype: 'F32', shape: [2], data: Float32Array.of(0.5, -0.5) }],
    ['keep_index', { dtype: 'I32', shape: [3], data: Int32Array.of(4, 0, -9) }],
  ]);
}

/** Builds a file from a raw header object and data bytes. */
function rawFile(header: unknown, data: Buffer = Buffer.alloc(0)): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

describe('safetensors', () => {
  it('round-trips tensors and metadata through a file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'model.safetensors');
    saveSafetensors(file, sample(), { format: 'pt', epoch: '3' });
    const back = loadSafetensors(file);
    assert.deepEqual(back.metadata, { format: 'pt', epoch: '3' });
    for (const [k, v] of sample()) {
      const got = back.tensors.get(k);
      assert.ok(got, k);
      assert.equal(got.dtype, v.dtype);
      assert.deepEqual(got.shape, v.shape);
      assert.deepEqual([...got.data], [...v.data]);
    }
    assert.deepEqual(fs.readdirSync(dir), ['model.safetensors'], 'no temp file left behind');
  });

  it('pads the header to 8 bytes and starts with its little-endian length', () => {
    const bytes = encodeSafetensors(sample());
    const n = Number(bytes.readBigUInt64LE(0));
    assert.equal((8 + n) % 8, 0);
    assert.doesNotThrow(() => JSON.parse(bytes.subarray(8, 8 + n).toString()));
  });

  it('reads F64, F16, BF16 as float32 and I64 as int32', () => {
    const data = Buffer.alloc(8 + 2 + 2 + 8);
    data.writeDoubleLE(1.5, 0);
    data.writeUInt16LE(0x3c00, 8); // 1.0 in half precision
    data.writeUInt16LE(0xc040, 10); // -3.0 in bfloat16
    data.writeBigInt64LE(-42n, 12);
    const file = rawFile({
      a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] },
      b: { dtype: 'F16', shape: [1], data_offsets: [8, 10] },
      c: { dtype: 'BF16', shape: [1], data_offsets: [10, 12] },
      d: { dtype: 'I64', shape: [1], data_offsets: [12, 20] },
    }, data);
    const t = decodeSafetensors(file, 'x.safetensors').tensors;
    assert.equal(t.get('a')?.data[0], 1.5);
    assert.equal(t.get('b')?.data[0], 1);
    assert.equal(t.get('c')?.data[0], -3);
    assert.equal(t.get('d')?.data[0], -42);
    assert.equal(t.get('d')?.dtype, 'I32');
  });

  const bad: Array<[string, Buffer, RegExp]> = [
    ['a truncated length', Buffer.alloc(5), /too short/],
    ['a header length past the end', (() => { const b = Buffer.alloc(16); b.writeBigUInt64LE(1000n); return b; })(), /exceeds the file/],
    ['a header that is not JSON', (() => { const b = Buffer.alloc(12); b.writeBigUInt64LE(4n); b.write('{no ', 8); return b; })(), /not JSON/],
    ['offsets out of range', rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, Buffer.alloc(4)), /outside/],
    ['an unknown dtype', rawFile({ w: { dtype: 'Q4', shape: [1], data_offsets: [0, 4] } }, Buffer.alloc(4)), /unsupported dtype 'Q4'/],
    ['a shape that does not match the bytes', rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, Buffer.alloc(8)), /needs 12 bytes/],
  ];
  for (const [what, bytes, message] of bad) {
    it(`rejects ${what} with a one-line error naming the file`, () => {
      assert.throws(() => decodeSafetensors(bytes, '/tmp/broken.safetensors'), (err: Error) => {
        assert.ok(err instanceof MidlInputError);
        assert.match(err.message, /^\/tmp\/broken\.safetensors: /);
        assert.match(err.message, message);
        assert.ok(!err.message.includes('\n'));
        return true;
      });
    });
  }

  it('names a missing file', () => {
    assert.throws(() => loadSafetensors('/nonexistent/m.safetensors'), /\/nonexistent\/m\.safetensors: cannot read \(ENOENT\)/);
  });
});
