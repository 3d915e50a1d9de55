# bench/lab.cmake — benchmarks of the lab module's searches (built, never run by ctest).
get_filename_component(QBENCH_BENCH_SHARED_DIR "${CMAKE_SOURCE_DIR}/../shared" ABSOLUTE)
# auto_targets: issue 12's targets for `quantize --auto`, ratios measured in one run (bench/auto_targets.cc).
add_executable(auto_targets ${CMAKE_CURRENT_LIST_DIR}/auto_targets.cc)
target_link_libraries(auto_targets PRIVATE qbench_lab qbench_zoo)
target_compile_definitions(auto_targets PRIVATE QBENCH_SHARED_DIR="${QBENCH_BENCH_SHARED_DIR}")
target_compile_options(auto_targets PRIVATE -Wall -Wextra)
# lab_estimate: issue 10's `lab --dry-run` estimate vs the real duration of the default zoo study and
# of the real-model study, with the ratio per part, in one run (bench/lab_estimate.cc).
add_executable(lab_estimate ${CMAKE_CURRENT_LIST_DIR}/lab_estimate.cc)
target_link_libraries(lab_estimate PRIVATE qbench_report qbench_lab)
# The lab's memory probes start `qbench __memory-probe` (QBENCH_EXE): the CLI, as in a real study.
target_compile_definitions(lab_estimate PRIVATE QBENCH_SHARED_DIR="${QBENCH_BENCH_SHARED_DIR}" QBENCH_CLI_PATH="$<TARGET_FILE:qbench>")
add_dependencies(lab_estimate qbench)
target_compile_options(lab_estimate PRIVATE -Wall -Wextra)
# int8_profile: where an int8 model's time goes against fp32, per op kind, from ORT's per-node profiler.
add_executable(int8_profile ${CMAKE_CURRENT_LIST_DIR}/int8_profile.cc)
target_link_libraries(int8_profile PRIVATE qbench_lab qbench_zoo)
target_compile_options(int8_profile PRIVATE -Wall -Wextra)
# speedup_repeatability: the same fp32-vs-int8 point compared R times as separate lab runs would (the lab's
# LabCompareOptions, fresh sessions): each run's speedup and 95 % CI, their spread and how many CIs cover
# the median of all R (docs/measurement.md, "Run-to-run repeatability of speedups").
add_executable(speedup_repeatability ${CMAKE_CURRENT_LIST_DIR}/speedup_repeatability.cc)
target_link_libraries(speedup_repeatability PRIVATE qbench_lab qbench_zoo)
target_compile_options(speedup_repeatability PRIVATE -Wall -Wextra)
