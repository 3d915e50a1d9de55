#include <gtest/gtest.h>

#include "qbench/core/text.h"

namespace qbench {
namespace {

TEST(Abbreviate, FitsUnchanged) {
  EXPECT_EQ(Abbreviate("short error", 20), "short error");
  EXPECT_EQ(Abbreviate("exactly twenty bytes", 20), "exactly twenty bytes");
}

TEST(Abbreviate, CutsAtTheLastSpaceWithAnEllipsis) {
  // 17 bytes of room (20 - 3 for "…"): the last space at or before byte 17 is at 15.
  EXPECT_EQ(Abbreviate("cannot open the model file", 20), "cannot open the\xE2\x80\xA6");
  // The comma before the cut is dropped as well as the space.
  EXPECT_EQ(Abbreviate("error: bad input, see the log for more details", 22), "error: bad input\xE2\x80\xA6");
}

TEST(Abbreviate, CutsAPathAfterASeparator) {
  EXPECT_EQ(Abbreviate("/work/shared/models/imagenet/mobilenetv2-7-hybrid.onnx", 30), "/work/shared/models/\xE2\x80\xA6");
}

TEST(Abbreviate, ALongWordIsCutAtACharacterBoundary) {
  EXPECT_EQ(Abbreviate("abcdefghijklmnopqrstuvwxyz", 10), "abcdefg\xE2\x80\xA6");
  // "é" is 2 bytes: 7 bytes of room hold 3 of them, never half of the fourth.
  EXPECT_EQ(Abbreviate("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 10), "\xC3\xA9\xC3\xA9\xC3\xA9\xE2\x80\xA6");
}

TEST(Abbreviate, NeverLongerThanMax) {
  const std::string s = "ONNX Runtime: Load model from x.onnx failed: Node (Conv_12) Op (Conv) [ShapeInferenceError] "
                        "Attribute group has incorrect value; expected the input channels to be divisible by it";
  for (std::size_t max : {8u, 20u, 60u, 100u, 150u}) {
    const std::string a = Abbreviate(s, max);
    EXPECT_LE(a.size(), max) << max;
    EXPECT_EQ(a.substr(a.size() - 3), "\xE2\x80\xA6") << max;
    const std::string kept = a.substr(0, a.size() - 3);
    EXPECT_EQ(s.compare(0, kept.size(), kept), 0) << max;  // a prefix of the text
    // Cut at a word boundary: what follows is a space or the punctuation dropped before the "…".
    if (max >= 20) EXPECT_NE(std::string(" ;:,").find(s[kept.size()]), std::string::npos) << max << ": '" << a << "' cut mid-word";
  }
}

// TextKeep::kEnd keeps the end, the part that tells PyTorch's node names apart.
TEST(Abbreviate, KeepingTheEnd) {
  // 21 bytes of room: the kept text starts at byte 12 at the earliest; the first '/' from there is at 13.
  EXPECT_EQ(Abbreviate("/model/layer4/layer4.1/conv2/Conv", 24, TextKeep::kEnd), "\xE2\x80\xA6/layer4.1/conv2/Conv");
  EXPECT_EQ(Abbreviate("/model/layer4/layer4.1/conv2/Conv", 33, TextKeep::kEnd), "/model/layer4/layer4.1/conv2/Conv");  // fits
  // Words: whole words after the first space in the first half of what must go.
  EXPECT_EQ(Abbreviate("cannot open the model file", 20, TextKeep::kEnd), "\xE2\x80\xA6the model file");
  // One long word: cut at a character boundary ("é" is 2 bytes; 7 bytes of room start at byte 11, inside the sixth).
  EXPECT_EQ(Abbreviate("abcdefghijklmnopqrstuvwxyz", 10, TextKeep::kEnd), "\xE2\x80\xA6tuvwxyz");
  EXPECT_EQ(Abbreviate("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 10, TextKeep::kEnd),
            "\xE2\x80\xA6\xC3\xA9\xC3\xA9\xC3\xA9");
  const std::string name = "/model/backbone/encoder/layers.11/attention/output_projection/dense/MatMul_1";
  for (std::size_t max : {8u, 20u, 33u, 60u}) {
    const std::string a = Abbreviate(name, max, TextKeep::kEnd);
    EXPECT_LE(a.size(), max) << max;
    EXPECT_EQ(a.substr(0, 3), "\xE2\x80\xA6") << max;
    EXPECT_EQ(name.compare(name.size() - (a.size() - 3), a.size() - 3, a.substr(3)), 0) << max;  // a suffix of the name
  }
}

}  // namespace
}  // namespace qbench

namespace qbench {
namespace {
// The library's "unknown value" messages (variants, modes, presets, zoo models, calibration methods).
TEST(Text, UnknownChoiceNamesTheNearestChoiceOnlyForATypo) {
  const std::vector<std::string> variants = {"fp32", "dynamic", "static", "static-per-tensor"};
  EXPECT_EQ(UnknownChoice("variant", "dynamc", variants),
            "unknown variant 'dynamc'; did you mean 'dynamic'? expected one of: fp32, dynamic, static, static-per-tensor");
  EXPECT_EQ(UnknownChoice("variant", "statci", variants),  // a swap is one edit
            "unknown variant 'statci'; did you mean 'static'? expected one of: fp32, dynamic, static, static-per-tensor");
  EXPECT_EQ(UnknownChoice("variant", "int4", variants),  // 4 edits from fp32: no guess
            "unknown variant 'int4'; expected one of: fp32, dynamic, static, static-per-tensor");
  EXPECT_EQ(UnknownChoice("calibration method", "kl", {"minmax", "entropy"}),
            "unknown calibration method 'kl'; expected one of: minmax, entropy");
}
}  // namespace
}  // namespace qbench
