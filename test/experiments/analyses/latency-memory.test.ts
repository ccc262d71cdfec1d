import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activationBytes, benchModels, parameterBytesRead } from '../../../src/experiments/analyses/latency-memory.js';
import { mlp, type Variant } from '../../../src/experiments/models.js';
import { MIDL } from '../../../src/midl/layer.js';
import { Rng } from '../../../src/tensor/rng.js';
import { Tensor } from '../../../src/tensor/tensor.js';

const model = (variant: Variant): ReturnType<typeof mlp> => mlp(8, [16], 4, { variant, keep: 0.5, dropout: 0.2, rng: new Rng(1) });

describe('latency and memory', () => {
  it('counts live and written activation bytes per example from an instrumented forward', () => {
    const input = new Tensor(new Rng(2).fillNormal(new Float32Array(3 * 8)), [3, 8]);
    // Flatten is a view (0 new bytes); Linear 8->16 holds 32 + 64 bytes; the classifier 64 + 16.
    assert.deepEqual(activationBytes(model('dense'), input), { peak: 96, written: 80 });
    const midl = model('midl');
    const layer = midl.layers[1] as MIDL;
    const scratch = 4 * (layer.rank + 2 * 16 + 8);
    assert.deepEqual(activationBytes(midl, input), { peak: 96 + scratch, written: 80 + scratch });
  });

  it('counts the parameter bytes one example reads', () => {
    const dense = model('dense');
    assert.equal(parameterBytesRead(dense), 4 * dense.parameterCount());
    const midl = model('midl');
    const layer = midl.layers[1] as MIDL;
    const lowRank = layer.rank * 8 + 2 * (16 * layer.rank + 16);
    assert.equal(parameterBytesRead(midl), 4 * (lowRank + 8 * 9 + (16 * 4 + 4)));
  });

  it('times each model at each batch size and reports the schema fields', () => {
    const split = { x: new Rng(3).fillNormal(new Float32Array(10 * 8)), y: new Int32Array(10), count: 10 };
    const subjects = (['dense', 'midl'] as const).map((m) => ({ model: m, net: model(m) }));
    const timing = { batches: [1, 16], budgetMs: 5, minRuns: 6, maxRuns: 50, warmup: 1, blocks: 3 };
    const records = benchModels('toy', subjects, split, [8], timing);
    assert.deepEqual(records.map((r) => [r.model, r.batch]), [['dense', 1], ['midl', 1], ['dense', 16], ['midl', 16]]);
    for (const r of records) {
      assert.equal(r.dataset, 'toy');
      assert.ok(r.median_ms > 0 && r.p95_ms >= r.median_ms);
      assert.ok(r.runs >= 6 && r.runs <= 50);
      assert.ok(r.peak_rss_bytes > 1e6);
      for (const key of ['param_bytes', 'param_bytes_read_per_example', 'activation_bytes_per_example', 'activation_bytes_written_per_example'] as const) {
        assert.ok(Number.isInteger(r[key]) && r[key] > 0, key);
      }
    }
    assert.equal(records[0].param_bytes, 4 * subjects[0].net.parameterCount());
  });
});
