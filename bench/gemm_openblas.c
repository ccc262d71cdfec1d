/* OpenBLAS sgemm called directly, as the yardstick for the native backend's gemm.
 * Usage: gemm_openblas M N K threads samples. Prints {"gflops": median GFLOP/s}.
 * Row-major C = A B^T (A is M x K, B is N x K), the layout of a dense layer. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int ascending(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s M N K threads samples\n", argv[0]);
    return 2;
  }
  const int M = atoi(argv[1]), N = atoi(argv[2]), K = atoi(argv[3]);
  const int threads = atoi(argv[4]), samples = atoi(argv[5]);
  openblas_set_num_threads(threads);
  float* A = malloc(sizeof(float) * M * K);
  float* B = malloc(sizeof(float) * N * K);
  float* C = malloc(sizeof(float) * M * N);
  double* times = malloc(sizeof(double) * samples);
  for (long i = 0; i < (long)M * K; i++) A[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
  for (long i = 0; i < (long)N * K; i++) B[i] = (float)((i * 104729) % 1000) / 1000.0f - 0.5f;
  for (int w = 0; w < 5; w++) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, A, K, B, K, 0.0f, C, N);
  }
  for (int s = 0; s < samples; s++) {
    const double start = seconds();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, A, K, B, K, 0.0f, C, N);
    times[s] = seconds() - start;
  }
  qsort(times, samples, sizeof(double), ascending);
  printf("{\"gflops\": %.3f}\n", 2.0 * M * N * K / times[samples / 2] / 1e9);
  free(A);
  free(B);
  free(C);
  free(times);
  return 0;
}
