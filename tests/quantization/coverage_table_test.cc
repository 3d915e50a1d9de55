// The coverage table of `qbench quantize` (FormatQuantizeReport) is a core/table.h Table: per op type
// the quantized and kept-float counts and the reasons, aligned, against hand-written text.
#include <gtest/gtest.h>

#include "qbench/quantization/quantizer.h"

namespace qbench {
namespace {

TEST(CoverageTable, OpTypesAlignedWithReasons) {
  QuantizeReport r;
  r.scheme = "dynamic";
  r.by_op_type = {{"Conv", 3, 0, {}}, {"MatMul", 1, 2, {"excluded (--exclude)", "no int8 kernel"}}};
  const std::string text = FormatQuantizeReport(r);
  const std::string table = "op type  quantized  float  why kept float\n"
                            "-------  ---------  -----  ------------------------------------\n"
                            "Conv             3      0\n"
                            "MatMul           1      2  excluded (--exclude); no int8 kernel\n";
  EXPECT_NE(text.find(table), std::string::npos) << text;
}

}  // namespace
}  // namespace qbench
