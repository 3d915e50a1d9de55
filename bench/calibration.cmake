# bench/calibration.cmake — benchmarks of calibration (built, never run by ctest).
# calibration_npy_rss: peak RSS of calibrating on a 1,000-sample .npy vs 50 samples (ratio <= 1.25).
add_executable(calibration_npy_rss ${CMAKE_CURRENT_LIST_DIR}/calibration_npy_rss.cc)
target_link_libraries(calibration_npy_rss PRIVATE qbench_calibration)
target_compile_options(calibration_npy_rss PRIVATE -Wall -Wextra)
