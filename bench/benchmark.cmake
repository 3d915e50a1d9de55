# bench/benchmark.cmake — benchmarks of the benchmark module (built, never run by ctest).
get_filename_component(QBENCH_BENCH_SHARED_DIR "${CMAKE_SOURCE_DIR}/../shared" ABSOLUTE)

# harness_overhead: qbench's timed loop vs a bare Ort::Session::Run loop on SqueezeNet 1.1, interleaved.
add_executable(harness_overhead ${CMAKE_CURRENT_LIST_DIR}/harness_overhead.cc)
target_link_libraries(harness_overhead PRIVATE qbench_benchmark)
target_compile_definitions(harness_overhead PRIVATE QBENCH_SHARED_DIR="${QBENCH_BENCH_SHARED_DIR}")
target_compile_options(harness_overhead PRIVATE -Wall -Wextra)

# interleave_policy: a model interleaved (no-spinning vs global-pool) against the same model timed alone.
add_executable(interleave_policy ${CMAKE_CURRENT_LIST_DIR}/interleave_policy.cc)
target_link_libraries(interleave_policy PRIVATE qbench_benchmark qbench_zoo)
target_compile_options(interleave_policy PRIVATE -Wall -Wextra)
