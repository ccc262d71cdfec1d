// Row gathers and scatter-adds over an embedding table, and EmbeddingBag (mean); the
// column scatter that spreads static sparsity's kept outputs back to the layer's width; and
// the products of CSR rows with a (n x d) weight that a sparse-input Linear needs.
// Scatter-adds may hit the same row from several ids, so their parallel form splits
// the columns, never the ids.
#include <cstring>
#include <string>

#include "common.h"

namespace midl {

namespace {

constexpr size_t kColumnBand = 64;

// Each of the first count entries of `name` must lie in [0, limit); range() names that
// range in the error (built only on failure: the check runs on every call).
template <typename Range>
void checkIndices(const Args& args, const char* name, const IntView& ids, size_t count, size_t limit, Range range) {
  for (size_t i = 0; i < count; i++) {
    if (ids.data[i] < 0 || static_cast<size_t>(ids.data[i]) >= limit) {
      args.rangeError(std::string(name) + "[" + std::to_string(i) + "] = " + std::to_string(ids.data[i]) +
                      " is outside " + range());
    }
  }
}

void checkIds(const Args& args, const IntView& ids, size_t count, size_t tableRows) {
  checkIndices(args, "ids", ids, count, tableRows, [&] { return "the table's " + std::to_string(tableRows) + " rows"; });
}

// Checks offsets (bags + 1 entries, non-decreasing, within ids) and the ids they cover.
void checkBags(const Args& args, const IntView& ids, const IntView& offsets, size_t tableRows) {
  if (offsets.length < 1) args.rangeError("offsets needs at least one entry (bags + 1)");
  for (size_t b = 0; b + 1 < offsets.length; b++) {
    if (offsets.data[b] < 0 || offsets.data[b] > offsets.data[b + 1]) {
      args.rangeError("offsets must be non-decreasing from 0; offsets[" + std::to_string(b) + "] = " +
                      std::to_string(offsets.data[b]) + ", next " + std::to_string(offsets.data[b + 1]));
    }
  }
  const int32_t last = offsets.data[offsets.length - 1];
  if (last < 0 || static_cast<size_t>(last) > ids.length) {
    args.rangeError("offsets end at " + std::to_string(last) + " but ids has " + std::to_string(ids.length));
  }
  checkIds(args, ids, static_cast<size_t>(last), tableRows);
}

// Calls addBand(j0, j1) over column bands, in parallel when the work is large.
template <typename Band>
void overColumnBands(size_t dim, size_t work, Band addBand) {
  parallelFor((dim + kColumnBand - 1) / kColumnBand, work, [&](size_t first, size_t end) {
    addBand(first * kColumnBand, end * kColumnBand < dim ? end * kColumnBand : dim);
  });
}

Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  Args args(info, "gatherRows", 4);
  FloatView table = args.floats(0, "table");
  size_t dim = args.size(1, "dim");
  IntView ids = args.ints(2, "ids");
  FloatView out = args.floats(3, "out");
  if (dim == 0) return info.Env().Undefined();
  args.needLength("out", out.length, ids.length * dim);
  checkIds(args, ids, ids.length, table.length / dim);
  parallelFor(ids.length, ids.length * dim, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; i++) {
      std::memcpy(out.data + i * dim, table.data + static_cast<size_t>(ids.data[i]) * dim, dim * sizeof(float));
    }
  });
  return info.Env().Undefined();
}

// out[i, cols[t]] = src[i, t]; the other entries of out are left as they are.
Napi::Value ScatterColumns(const Napi::CallbackInfo& info) {
  Args args(info, "scatterColumns", 5);
  FloatView src = args.floats(0, "src");
  const size_t rows = args.size(1, "rows");
  IntView cols = args.ints(2, "cols");
  const size_t n = args.size(3, "n");
  FloatView out = args.floats(4, "out");
  const size_t k = cols.length;
  args.needLength("src", src.length, rows * k);
  args.needLength("out", out.length, rows * n);
  checkIndices(args, "cols", cols, k, n, [&] { return "[0, n = " + std::to_string(n) + ")"; });
  parallelFor(rows, rows * k, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; i++) {
      const float* from = src.data + i * k;
      float* to = out.data + i * n;
      for (size_t t = 0; t < k; t++) to[cols.data[t]] = from[t];
    }
  });
  return info.Env().Undefined();
}

Napi::Value ScatterAddRows(const Napi::CallbackInfo& info) {
  Args args(info, "scatterAddRows", 4);
  FloatView src = args.floats(0, "src");
  size_t dim = args.size(1, "dim");
  IntView ids = args.ints(2, "ids");
  FloatView table = args.floats(3, "table");
  if (dim == 0) return info.Env().Undefined();
  args.needLength("src", src.length, ids.length * dim);
  checkIds(args, ids, ids.length, table.length / dim);
  overColumnBands(dim, ids.length * dim, [&](size_t j0, size_t j1) {
    for (size_t i = 0; i < ids.length; i++) {
      float* row = table.data + static_cast<size_t>(ids.data[i]) * dim;
      const float* from = src.data + i * dim;
      for (size_t j = j0; j < j1; j++) row[j] += from[j];
    }
  });
  return info.Env().Undefined();
}

Napi::Value EmbeddingBagMean(const Napi::CallbackInfo& info) {
  Args args(info, "embeddingBagMean", 5);
  FloatView table = args.floats(0, "table");
  size_t dim = args.size(1, "dim");
  IntView ids = args.ints(2, "ids"), offsets = args.ints(3, "offsets");
  FloatView out = args.floats(4, "out");
  if (dim == 0) return info.Env().Undefined();
  checkBags(args, ids, offsets, table.length / dim);
  const size_t bags = offsets.length - 1;
  args.needLength("out", out.length, bags * dim);
  parallelFor(bags, ids.length * dim, [&](size_t firstBag, size_t endBag) {
    for (size_t b = firstBag; b < endBag; b++) {
      float* o = out.data + b * dim;
      std::memset(o, 0, dim * sizeof(float));
      const int32_t begin = offsets.data[b], end = offsets.data[b + 1];
      for (int32_t t = begin; t < end; t++) {
        const float* row = table.data + static_cast<size_t>(ids.data[t]) * dim;
        for (size_t j = 0; j < dim; j++) o[j] += row[j];
      }
      if (end > begin) {
        const float size = static_cast<float>(end - begin);
        for (size_t j = 0; j < dim; j++) o[j] /= size;
      }
    }
  });
  return info.Env().Undefined();
}

Napi::Value EmbeddingBagMeanBackward(const Napi::CallbackInfo& info) {
  Args args(info, "embeddingBagMeanBackward", 5);
  FloatView dOut = args.floats(0, "dOut");
  size_t dim = args.size(1, "dim");
  IntView ids = args.ints(2, "ids"), offsets = args.ints(3, "offsets");
  FloatView dTable = args.floats(4, "dTable");
  if (dim == 0) return info.Env().Undefined();
  checkBags(args, ids, offsets, dTable.length / dim);
  const size_t bags = offsets.length - 1;
  args.needLength("dOut", dOut.length, bags * dim);
  overColumnBands(dim, ids.length * dim, [&](size_t j0, size_t j1) {
    for (size_t b = 0; b < bags; b++) {
      const int32_t begin = offsets.data[b], end = offsets.data[b + 1];
      const float size = static_cast<float>(end - begin);
      const float* g = dOut.data + b * dim;
      for (int32_t t = begin; t < end; t++) {
        float* row = dTable.data + static_cast<size_t>(ids.data[t]) * dim;
        for (size_t j = j0; j < j1; j++) row[j] += g[j] / size;
      }
    }
  });
  return info.Env().Undefined();
}

// The CSR rows (offsets, indices, values) of arguments 0-2, checked against d columns.
struct CsrArgs {
  IntView offsets, indices;
  FloatView values;
  size_t rows;
};

CsrArgs csrArgs(const Args& args, size_t d) {
  CsrArgs s{args.ints(0, "offsets"), args.ints(1, "indices"), args.floats(2, "values"), 0};
  checkBags(args, s.indices, s.offsets, d);
  args.needLength("values", s.values.length, static_cast<size_t>(s.offsets.data[s.offsets.length - 1]));
  s.rows = s.offsets.length - 1;
  return s;
}

// out (rows x n) = S W^T: each output column o reads weight row o (d floats, cache-resident)
// at the stored columns only. Columns of out are split between threads.
Napi::Value SparseRowsMatmulT(const Napi::CallbackInfo& info) {
  Args args(info, "sparseRowsMatmulT", 7);
  const size_t d = args.size(4, "d"), n = args.size(5, "n");
  CsrArgs s = csrArgs(args, d);
  FloatView weight = args.floats(3, "weight");
  FloatView out = args.floats(6, "out");
  args.needLength("weight", weight.length, n * d);
  args.needLength("out", out.length, s.rows * n);
  const size_t nnz = static_cast<size_t>(s.offsets.data[s.rows]);
  parallelFor(n, nnz * n, [&](size_t first, size_t end) {
    for (size_t o = first; o < end; o++) {
      const float* w = weight.data + o * d;
      for (size_t i = 0; i < s.rows; i++) {
        float sum = 0;
        for (int32_t k = s.offsets.data[i]; k < s.offsets.data[i + 1]; k++) sum += s.values.data[k] * w[s.indices.data[k]];
        out.data[i * n + o] = sum;
      }
    }
  });
  return info.Env().Undefined();
}

// dWeight (n x d) += dOut^T S; rows of dWeight are split between threads, so no two write
// the same entry. Zero gradients (ReLU's inactive outputs) are skipped.
Napi::Value SparseRowsGradWeight(const Napi::CallbackInfo& info) {
  Args args(info, "sparseRowsGradWeight", 7);
  const size_t d = args.size(4, "d"), n = args.size(5, "n");
  CsrArgs s = csrArgs(args, d);
  FloatView dOut = args.floats(3, "dOut");
  FloatView dWeight = args.floats(6, "dWeight");
  args.needLength("dOut", dOut.length, s.rows * n);
  args.needLength("dWeight", dWeight.length, n * d);
  const size_t nnz = static_cast<size_t>(s.offsets.data[s.rows]);
  parallelFor(n, nnz * n, [&](size_t first, size_t end) {
    for (size_t o = first; o < end; o++) {
      float* w = dWeight.data + o * d;
      for (size_t i = 0; i < s.rows; i++) {
        const float g = dOut.data[i * n + o];
        if (g == 0) continue;
        for (int32_t k = s.offsets.data[i]; k < s.offsets.data[i + 1]; k++) w[s.indices.data[k]] += g * s.values.data[k];
      }
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void registerEmbedding(Napi::Env env, Napi::Object exports) {
  exports.Set("gatherRows", Napi::Function::New(env, GatherRows, "gatherRows"));
  exports.Set("scatterAddRows", Napi::Function::New(env, ScatterAddRows, "scatterAddRows"));
  exports.Set("scatterColumns", Napi::Function::New(env, ScatterColumns, "scatterColumns"));
  exports.Set("embeddingBagMean", Napi::Function::New(env, EmbeddingBagMean, "embeddingBagMean"));
  exports.Set("sparseRowsMatmulT", Napi::Function::New(env, SparseRowsMatmulT, "sparseRowsMatmulT"));
  exports.Set("sparseRowsGradWeight", Napi::Function::New(env, SparseRowsGradWeight, "sparseRowsGradWeight"));
  exports.Set("embeddingBagMeanBackward",
              Napi::Function::New(env, EmbeddingBagMeanBackward, "embeddingBagMeanBackward"));
}

}  // namespace midl
