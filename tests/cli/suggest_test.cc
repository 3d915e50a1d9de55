// "did you mean": the edit distance and the closeness rule behind the CLI's suggestions
// (tools/qbench/suggest.h), with hand-computed values.
#include <gtest/gtest.h>

#include "suggest.h"

namespace qbench::cli {
namespace {

TEST(Suggest, EditDistanceCountsInsertionsDeletionsSubstitutionsAndSwaps) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("", "ab"), 2u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);  // k→s, e→i, +g
  EXPECT_EQ(EditDistance("--thread", "--threads"), 1u);
  EXPECT_EQ(EditDistance("lba", "lab"), 1u);  // one adjacent swap, not two substitutions
  EXPECT_EQ(EditDistance("ca", "abc"), 3u);   // optimal string alignment: no edit of a swapped pair
  EXPECT_EQ(EditDistance("--calibraton-size", "--calibration-size"), 1u);
}

TEST(Suggest, ClosestMatchOnlyForPlausibleTypos) {
  const std::vector<std::string> flags = {"--threads", "--inter-op-threads", "--batch", "--seed", "--shape", "--json"};
  EXPECT_EQ(ClosestMatch("--thread", flags), "--threads");
  EXPECT_EQ(ClosestMatch("--batc", flags), "--batch");
  EXPECT_EQ(ClosestMatch("--sead", flags), "--seed");    // 1 edit; "--shape" is 3 away
  EXPECT_EQ(ClosestMatch("--frobnicate", flags), "");     // nothing within 3 edits
  EXPECT_EQ(ClosestMatch("--inter", flags), "--inter-op-threads");  // the one flag it starts
  EXPECT_EQ(ClosestMatch("--s", flags), "");              // starts two flags: ambiguous
  // Short words allow one edit only.
  const std::vector<std::string> commands = {"inspect", "bench", "quantize", "eval", "sensitivity", "lab", "zoo"};
  EXPECT_EQ(ClosestMatch("lba", commands), "lab");
  EXPECT_EQ(ClosestMatch("ab", commands), "lab");        // one insertion
  EXPECT_EQ(ClosestMatch("xy", commands), "");
  EXPECT_EQ(ClosestMatch("quantise", commands), "quantize");
  EXPECT_EQ(ClosestMatch("", commands), "");
}

}  // namespace
}  // namespace qbench::cli
