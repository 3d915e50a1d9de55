// Assertions shared by the CLI tests (tests/cli).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace qbench::testing {

// A usage error: exit 2 and exactly one line on stderr, "qbench: error: " + `line`, nothing on stdout.
inline void ExpectUsageLine(const CommandResult& r, const std::string& line) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err, "qbench: error: " + line + "\n");
  EXPECT_TRUE(r.out.empty()) << r.out;
}

}  // namespace qbench::testing
