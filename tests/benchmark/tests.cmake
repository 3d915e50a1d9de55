qbench_add_test(benchmark_statistics_test LIBS qbench_benchmark SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/statistics_test.cc
)
qbench_add_test(benchmark_loop_test LIBS qbench_benchmark SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/loop_test.cc
)
qbench_add_test(bench_cli_test NEEDS_CLI LIBS qbench_benchmark SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/bench_cli_test.cc
)
qbench_add_test(benchmark_report_test LIBS qbench_benchmark SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/report_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/statistics_report_test.cc
)
qbench_add_test(benchmark_compare_test LIBS qbench_benchmark SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/compare_test.cc
)
qbench_add_test(benchmark_energy_test LIBS qbench_benchmark SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/energy_test.cc
)
qbench_add_test(benchmark_accelerator_test LIBS qbench_benchmark SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/accelerator_test.cc
)
