// The environment's accelerator from recorded fake trees: an NVIDIA server and a Jetson board.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "qbench/benchmark/environment.h"
#include "test_util.h"

namespace qbench {
namespace {
namespace fs = std::filesystem;

void Put(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

TEST(Accelerator, NvidiaDriverAndGpuNamesFromProc) {
  const std::string root = testing::TempDir();
  Put(root + "/proc/driver/nvidia/version",
      "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n"
      "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n");
  Put(root + "/proc/driver/nvidia/gpus/0000:17:00.0/information",
      "Model: \t\t NVIDIA H100 80GB HBM3\nIRQ:   \t\t 156\nGPU UUID: \t GPU-1234\n");
  Put(root + "/proc/driver/nvidia/gpus/0000:65:00.0/information", "Model: \t\t NVIDIA H100 80GB HBM3\nIRQ: 157\n");
  EnvironmentInfo env;
  CaptureAccelerator("cuda", root, &env);
  EXPECT_EQ(env.accelerator_name, "NVIDIA H100 80GB HBM3 (2 GPUs)");
  EXPECT_EQ(env.accelerator_driver, "NVIDIA 550.54.15");
  CaptureAccelerator("cpu", root, &env);  // the CPU provider uses no accelerator
  EXPECT_EQ(env.accelerator_name, "");
  EXPECT_EQ(env.accelerator_driver, "");
}

TEST(Accelerator, JetsonBoardAndL4tRelease) {
  const std::string root = testing::TempDir();
  Put(root + "/proc/device-tree/model", std::string("NVIDIA Jetson AGX Orin Developer Kit") + '\0');
  Put(root + "/etc/nv_tegra_release",
      "# R36 (release), REVISION: 3.0, GCID: 36923193, BOARD: generic, EABI: aarch64, DATE: Fri Jul 19 23:24:25 UTC 2024\n");
  EnvironmentInfo env;
  CaptureAccelerator("tensorrt", root, &env);
  EXPECT_EQ(env.accelerator_name, "NVIDIA Jetson AGX Orin Developer Kit");
  EXPECT_EQ(env.accelerator_driver, "L4T R36.3.0");
}

TEST(Accelerator, UnknownWhereNothingSays) {
  EnvironmentInfo env;
  CaptureAccelerator("openvino", testing::TempDir(), &env);
  EXPECT_EQ(env.accelerator_name, "unknown (openvino provider)");
  EXPECT_EQ(env.accelerator_driver, "unknown");
}

}  // namespace
}  // namespace qbench
