/*
 * How fast this CPU runs fused multiply-adds (16-float vectors) fed from L1, by loads per
 * FMA. MID-L's sparse full path is a set of dot products (x_i . W_j for selected pairs):
 * each FMA needs a load (shape "dots"), while a dense GEMM reuses every loaded vector in
 * several FMAs (shape "tile"). The gap between the two caps the sparse path's speed.
 * Build and run: cc -O3 -march=native -o /tmp/load_bound bench/load_bound.c && /tmp/load_bound
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { LEN = 256, ROWS = 8, REPS = 200000 };

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* 16 FMA chains on registers only: the FMA peak. */
static float peak(long reps) {
  __m512 acc[16];
  const __m512 m = _mm512_set1_ps(0.999f), a = _mm512_set1_ps(0.001f);
  for (int e = 0; e < 16; e++) acc[e] = _mm512_set1_ps((float)e);
  for (long r = 0; r < reps; r++)
    for (int e = 0; e < 16; e++) acc[e] = _mm512_fmadd_ps(acc[e], m, a);
  __m512 s = acc[0];
  for (int e = 1; e < 16; e++) s = _mm512_add_ps(s, acc[e]);
  return _mm512_reduce_add_ps(s);
}

/* Eight dot products sharing one operand, as MID-L's kernel computes them: 9 loads per 8 FMAs. */
static float dots(const float *w, const float *x, long reps) {
  float total = 0;
  for (long r = 0; r < reps; r++) {
    __m512 acc[ROWS];
    for (int e = 0; e < ROWS; e++) acc[e] = _mm512_setzero_ps();
    for (int p = 0; p < LEN; p += 16) {
      const __m512 s = _mm512_load_ps(w + p);
      for (int e = 0; e < ROWS; e++) acc[e] = _mm512_fmadd_ps(s, _mm512_load_ps(x + e * LEN + p), acc[e]);
    }
    for (int e = 0; e < ROWS; e++) total += _mm512_reduce_add_ps(acc[e]);
  }
  return total;
}

/* A register-blocked tile as in a GEMM: 8 broadcasts and 2 vectors feed 16 FMAs (10 loads per 16). */
static float tile(const float *a, const float *b, long reps) {
  float total = 0;
  for (long r = 0; r < reps; r++) {
    __m512 acc[16];
    for (int e = 0; e < 16; e++) acc[e] = _mm512_setzero_ps();
    for (int p = 0; p < LEN; p++) {
      const __m512 b0 = _mm512_load_ps(b + p * 32), b1 = _mm512_load_ps(b + p * 32 + 16);
      for (int i = 0; i < 8; i++) {
        const __m512 ai = _mm512_set1_ps(a[p * 8 + i]);
        acc[2 * i] = _mm512_fmadd_ps(ai, b0, acc[2 * i]);
        acc[2 * i + 1] = _mm512_fmadd_ps(ai, b1, acc[2 * i + 1]);
      }
    }
    for (int e = 0; e < 16; e++) total += _mm512_reduce_add_ps(acc[e]);
  }
  return total;
}

int main(void) {
  float *w = aligned_alloc(64, LEN * sizeof(float)), *x = aligned_alloc(64, ROWS * LEN * sizeof(float));
  float *a = aligned_alloc(64, LEN * 8 * sizeof(float)), *b = aligned_alloc(64, LEN * 32 * sizeof(float));
  for (int i = 0; i < LEN; i++) w[i] = 1e-3f;
  for (int i = 0; i < ROWS * LEN; i++) x[i] = 1e-3f;
  for (int i = 0; i < LEN * 8; i++) a[i] = 1e-3f;
  for (int i = 0; i < LEN * 32; i++) b[i] = 1e-3f;
  double t = seconds();
  float sink = peak(REPS * 16L);
  printf("registers only (peak):     %.2f FMA/ns\n", REPS * 16.0 * 16 / ((seconds() - t) * 1e9));
  t = seconds();
  sink += dots(w, x, REPS);
  printf("dots, 1.125 loads per FMA: %.2f FMA/ns\n", REPS * (LEN / 16.0) * ROWS / ((seconds() - t) * 1e9));
  t = seconds();
  sink += tile(a, b, REPS / 4);
  printf("tile, 0.625 loads per FMA: %.2f FMA/ns\n", REPS / 4 * (double)LEN * 16 / ((seconds() - t) * 1e9));
  return sink == 12345.0f;
}
