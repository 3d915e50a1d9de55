# bench/quantization.cmake — benchmarks of the quantizer (built, never run by ctest).
get_filename_component(QBENCH_BENCH_SHARED_DIR "${CMAKE_SOURCE_DIR}/../shared" ABSOLUTE)

# quantize_speed: static/dynamic int8 vs fp32 in ORT (batch 1 and 8, interleaved), sizes, and
# PyTorch's FX/oneDNN int8 through bench/torch_int8.py when torch is importable.
add_executable(quantize_speed ${CMAKE_CURRENT_LIST_DIR}/quantize_speed.cc)
target_link_libraries(quantize_speed PRIVATE qbench_quantization qbench_benchmark qbench_zoo)
target_compile_definitions(quantize_speed PRIVATE QBENCH_TORCH_SCRIPT="${CMAKE_CURRENT_LIST_DIR}/torch_int8.py")
target_compile_options(quantize_speed PRIVATE -Wall -Wextra)

# quantize_rss: peak RSS of QuantizeModel on ResNet18 with 200 calibration images.
add_executable(quantize_rss ${CMAKE_CURRENT_LIST_DIR}/quantize_rss.cc)
target_link_libraries(quantize_rss PRIVATE qbench_quantization qbench_benchmark qbench_zoo)
target_compile_definitions(quantize_rss PRIVATE QBENCH_SHARED_DIR="${QBENCH_BENCH_SHARED_DIR}")
target_compile_options(quantize_rss PRIVATE -Wall -Wextra)
