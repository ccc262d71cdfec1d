{
  "targets": [
    {
      "target_name": "midl_native",
      "sources": [
        "native/addon.cc",
        "native/allocator.cc",
        "native/batchnorm.cc",
        "native/common.cc",
        "native/conv.cc",
        "native/elementwise.cc",
        "native/embedding.cc",
        "native/gemm.cc",
        "native/gemm_avx512.cc",
        "native/loss.cc",
        "native/midl.cc",
        "native/midl_block.cc",
        "native/midl_conv.cc",
        "native/midl_large_batch.cc",
        "native/midl_small_batch.cc",
        "native/midl_train.cc",
        "native/pool.cc",
        "native/threads.cc",
        "native/topk.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fno-math-errno", "-fopenmp-simd", "-pthread", "-fexceptions"],
      "ldflags": ["-pthread"],
      "libraries": ["-lopenblas"]
    }
  ]
}
