// tests/corpus/corpus_case_test.cc — the corpus test's own classifiers, on hand-made values.
#include "corpus/corpus_case.h"

#include <gtest/gtest.h>

namespace qbench::corpus {
namespace {

TEST(CorpusCase, SqnrHandComputed) {
  // Σref² = 1 + 4 = 5, Σ(err)² = 0.01 + 0.04 = 0.05 → 10·log10(100) = 20 dB.
  EXPECT_NEAR(Sqnr({1.f, 2.f}, {1.1f, 2.2f}), 20.0, 1e-4);
  EXPECT_EQ(Sqnr({1.f, 2.f}, {1.f, 2.f}), 200.0);
  EXPECT_EQ(Sqnr({0.f, 0.f}, {1.f, 0.f}), -200.0);
  EXPECT_EQ(Sqnr({1.f}, {1.f, 2.f}), -1e9);
}

TEST(CorpusCase, RawOrtTextIsDetected) {
  EXPECT_EQ(RawOrtLine("[quantize] calibrating\nqbench: error: model 'm.onnx': node 'c1' (Conv) failed\n"), "");
  EXPECT_NE(RawOrtLine("\x1b[1;31m2026-12-06 [E:onnxruntime:, inference_session.cc:2100 Initialize]\x1b[m\n"), "");
  EXPECT_NE(RawOrtLine("qbench: error: onnxruntime::ConvInteger<uint8_t>::Compute failed\n"), "");
  EXPECT_NE(RawOrtLine("qbench: error: /onnxruntime_src/onnxruntime/core/graph/graph.cc:1411 bad\n"), "");
}

TEST(CorpusCase, ErrorLinesCountContinuations) {
  EXPECT_EQ(ErrorLines("[q] start\nqbench: error: one line\n").size(), 1u);
  EXPECT_EQ(ErrorLines("qbench: error: first\nsecond part of it\n").size(), 2u);
  EXPECT_TRUE(ErrorLines("[q] fine\n").empty());
}

TEST(CorpusCase, RefusalReasons) {
  EXPECT_EQ(RefusalReason("model 'a.onnx' uses opset 9; convert it first"), "opset");
  EXPECT_EQ(RefusalReason("inputs 'x' and 'y' have different batch dimensions"), "input-shape");
  EXPECT_EQ(RefusalReason("model 'a.onnx' is already quantized (QDQ)"), "already quantized");
  EXPECT_EQ(RefusalReason("input 'x' is a string tensor"), "non-tensor or string I/O");
  EXPECT_EQ(RefusalReason("something else entirely"), "other");
  EXPECT_EQ(RefusalReason("input 'xs' is a seq(tensor(float)), not a tensor: qbench generates, calibrates and feeds "
                          "tensor inputs only; run this model from your own code"),
            "non-tensor or string I/O");
  EXPECT_EQ(RefusalReason("node 'n' (Pow, opset 15) of 'm.onnx' has no ONNX Runtime kernel for its input types"),
            "ORT cannot run the model");
  EXPECT_EQ(RefusalReason("calibration batch 1 (random input) failed: node '#9' (GatherElements) failed while running"),
            "generated values rejected by the model");
  EXPECT_EQ(RefusalReason("input 'axes' has dimension 0 = -1; give a concrete shape (--shape, --dim or --batch)"),
            "input-shape");
}

}  // namespace
}  // namespace qbench::corpus
