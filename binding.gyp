{
  "targets": [
    {
      "target_name": "dynosim_native",
      "sources": [
        "native/addon.cc",
        "native/binding/perf_args.cc",
        "native/engine/block_pool.cc",
        "native/engine/request_table.cc",
        "native/engine/vllm_engine.cc",
        "native/metrics/collector.cc",
        "native/metrics/stats.cc",
        "native/router/kv_router.cc",
        "native/router/overlap_index.cc",
        "native/sim/simulation.cc",
        "native/sim/workload_driver.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3"]
      }
    }
  ]
}
