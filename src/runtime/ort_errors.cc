// ONNX Runtime's raw error messages → one line naming the file, the node and the fix.
// The table of classes is in docs/errors.md; tests/runtime/ort_errors_test.cc produces each message
// with the linked ORT and checks the line made of it.
#include <cctype>
#include <regex>
#include <string>
#include <vector>

#include "qbench/runtime/ort_limits.h"
#include "qbench/runtime/runner.h"
#include "qbench/core/text.h"

namespace qbench {
namespace {

std::string RemoveAnsi(const std::string& s) {
  static const std::regex kAnsi("\x1b\\[[0-9;]*[A-Za-z]");
  return std::regex_replace(s, kAnsi, "");
}

// Index just past the bracket matching the one at `open` ('(' or '[' or '<'), or npos.
std::size_t SkipBalanced(const std::string& s, std::size_t open) {
  const char o = s[open];
  const char c = o == '(' ? ')' : (o == '[' ? ']' : '>');
  int depth = 0;
  for (std::size_t i = open; i < s.size(); ++i) {
    if (s[i] == o) ++depth;
    if (s[i] == c && --depth == 0) return i + 1;
  }
  return std::string::npos;
}

// Removes every "<source path>:<line> <C++ signature> " ORT puts before its text, e.g.
// "/onnxruntime_src/x/reshape_helper.h:91 onnxruntime::ReshapeHelper::ReshapeHelper(const T&, bool) "
// "const T* Ctx::Input(int) const [with T = Tensor] ", "Fn()::<lambda()> ", and the assertion
// "cond == other was false. " that follows an ORT_ENFORCE.
std::string RemoveSourceLocations(std::string s) {
  static const std::regex kLocation(R"re((^|\s)(/[^\s:]+|[A-Za-z]:\\[^\s:]+)\.(cc|h|cpp|hpp|cu|cuh|mm):\d+ )re");
  std::smatch m;
  while (std::regex_search(s, m, kLocation)) {
    const std::size_t begin = static_cast<std::size_t>(m.position(0)) + m[1].length();
    std::size_t pos = static_cast<std::size_t>(m.position(0) + m.length(0));
    const std::size_t paren = s.find('(', pos);
    const std::size_t newline = s.find('\n', pos);
    if (paren != std::string::npos && (newline == std::string::npos || paren < newline)) {
      std::size_t after = SkipBalanced(s, paren);
      while (after != std::string::npos && after < s.size()) {
        if (s.compare(after, 8, "::<lambd") == 0) {
          const std::size_t lt = s.find('<', after);
          after = SkipBalanced(s, lt);
        } else if (s.compare(after, 6, " const") == 0) {
          after += 6;
        } else if (s.compare(after, 2, " [") == 0) {
          after = SkipBalanced(s, after + 1);
        } else {
          break;
        }
      }
      if (after != std::string::npos) pos = after;
    }
    while (pos < s.size() && s[pos] == ' ') ++pos;
    s.erase(begin, pos - begin);
    static const std::regex kEnforce(R"re(^[^.\n]{0,200}? was false\. )re");
    std::smatch e;
    const std::string rest = s.substr(begin);
    if (std::regex_search(rest, e, kEnforce)) s.erase(begin, static_cast<std::size_t>(e.length(0)));
  }
  return s;
}

std::string Trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  return s.substr(b);
}

struct Pattern {
  std::regex re;
  // Builds the line from the match; `file` is quoted by the caller's wording.
  std::string (*make)(const std::smatch& m, const std::string& file);
};

std::string Q(const std::string& s) { return "'" + s + "'"; }

const std::vector<Pattern>& Patterns() {
  static const std::vector<Pattern> k = {
      // Unknown operator (ONNX checker inside ORT): the node, op and domain are in the "In Node" tuple.
      {std::regex(R"re(In Node, \("([^"]*)", ([^,\s]+), "([^"]*)", [-\d]+\).*No Op registered for \S+ with domain_version of (\d+))re"),
       [](const std::smatch& m, const std::string& f) {
         const std::string domain = m[3].str().empty() ? "ai.onnx" : m[3].str();
         return "node " + Q(m[1]) + " of " + Q(f) + " uses operator " + m[2].str() + ", which ONNX Runtime " +
                OrtVersion() + " does not know in domain " + domain + " at opset " + m[4].str() +
                ": re-export the model with standard ONNX operators (or the opset that defines " + m[2].str() + ")";
       }},
      {std::regex(R"re(No Op registered for (\S+) with domain_version of (\d+))re"),
       [](const std::smatch& m, const std::string& f) {
         return Q(f) + " uses operator " + m[1].str() + ", which ONNX Runtime " + OrtVersion() +
                " does not know at opset " + m[2].str() + ": re-export the model with standard ONNX operators";
       }},
      // An operator ORT knows, but without a kernel: its form is older than the oldest opset ORT
      // implements (Gemm(6): the model's opset is too old), or no kernel for these input types.
      {std::regex(R"re(Could not find an implementation for (\w+)\((\d+)\) node with name '([^']*)')re"),
       [](const std::smatch& m, const std::string& f) {
         const std::string head = "node " + Q(m[3]) + " (" + m[1].str() + ", opset " + m[2].str() + ") of " + Q(f);
         const std::int64_t min_opset = OrtLimits().min_opset;
         if (std::stoll(m[2].str()) < min_opset)
           return head + " has no kernel in ONNX Runtime " + OrtVersion() + ", which implements ai.onnx from opset " +
                  std::to_string(min_opset) + ": upgrade the model's opset (`qbench quantize` does it itself; "
                  "onnx.version_converter.convert_version for the fp32 file)";
         return head + " has no ONNX Runtime kernel for its input types: re-export the model with a type ONNX Runtime "
                "implements for " + m[1].str() + " (float32 always is)";
       }},
      // Type errors found when ORT checks the graph.
      {std::regex(R"re(Type parameter \((\w+)\) of Optype \((\w+)\) bound to different types \((tensor\([^)]*\))\)? and \(?(tensor\([^)]*\)) in node \(([^)]*)\))re"),
       [](const std::smatch& m, const std::string& f) {
         return "node " + Q(m[5]) + " (" + m[2].str() + ") of " + Q(f) + " gets inputs of different types (" +
                m[3].str() + " and " + m[4].str() + "): the model is invalid; insert a Cast or re-export it";
       }},
      {std::regex(R"re(Type '([^']*)' of input parameter \(([^)]*)\) of operator \((\w+)\) in node \(([^)]*)\) is invalid)re"),
       [](const std::smatch& m, const std::string& f) {
         return "node " + Q(m[4]) + " (" + m[3].str() + ") of " + Q(f) + " gets input " + Q(m[2]) + " as " + m[1].str() +
                ", a type " + m[3].str() + " does not accept: the model is invalid; insert a Cast or re-export it";
       }},
      // Shape/type inference failures: "Node (mm) Op (MatMul) [ShapeInferenceError] text".
      {std::regex(R"re(Node \(([^)]*)\) Op \((\w+)\) \[(Shape|Type)InferenceError\] ([^\n]*))re"),
       [](const std::smatch& m, const std::string& f) {
         const std::string what = m[3].str() == "Shape" ? "shapes" : "types";
         return "node " + Q(m[1]) + " (" + m[2].str() + ") of " + Q(f) + ": its input " + what + " do not fit (" +
                Trimmed(m[4]) + "): check the weights and the input shapes (--shape, --dim), or re-export the model";
       }},
      // Feeds that do not match the declared inputs.
      {std::regex(R"re(Got invalid dimensions for input: (\S+) for the following indices\s+index: (\d+) Got: (\d+) Expected: (\d+))re"),
       [](const std::smatch& m, const std::string& f) {
         return "input " + Q(m[1]) + " of " + Q(f) + " has dim " + m[2].str() + " fixed to " + m[4].str() + ", got " +
                m[3].str() + ": give the model's shape (--shape " + m[1].str() + "=..., --dim) or data of that shape";
       }},
      {std::regex(R"re(Invalid rank for input: (\S+) Got: (\d+) Expected: (\d+))re"),
       [](const std::smatch& m, const std::string& f) {
         return "input " + Q(m[1]) + " of " + Q(f) + " has rank " + m[3].str() + ", got rank " + m[2].str() +
                ": give data of the model's rank (--shape " + m[1].str() + "=...)";
       }},
      {std::regex(R"re(Unexpected input data type\. Actual: \((tensor\([^)]*\))\) , expected: \((tensor\([^)]*\))\))re"),
       [](const std::smatch& m, const std::string& f) {
         return "an input of " + Q(f) + " expects " + m[2].str() + ", got " + m[1].str() +
                ": give data of the model's type";
       }},
      // Versions newer than this ORT.
      {std::regex(R"re(Opset (\d+) is under development.*Current official support for domain (\S+) is till opset (\d+))re"),
       [](const std::smatch& m, const std::string& f) {
         return Q(f) + " uses opset " + m[1].str() + " of domain " + m[2].str() + "; ONNX Runtime " + OrtVersion() +
                " supports up to opset " + m[3].str() + ": re-export the model with opset " + m[3].str() + " or lower";
       }},
      {std::regex(R"re(Unsupported model IR version: (\d+), max supported IR version: (\d+))re"),
       [](const std::smatch& m, const std::string& f) {
         return Q(f) + " has IR version " + m[1].str() + "; ONNX Runtime " + OrtVersion() + " reads up to IR version " +
                m[2].str() + ": re-export (or convert) the model with IR version " + m[2].str() + " or lower";
       }},
      // A node that failed while running.
      {std::regex(R"re(Non-zero status code returned while running (\w+) node\. Name:'([^']*)' Status Message: ([\s\S]*))re"),
       [](const std::smatch& m, const std::string& f) {
         return "node " + Q(m[2]) + " (" + m[1].str() + ") of " + Q(f) + " failed while running: " +
                StripOrtDecorations(m[3]) + "; check the input shapes and values (--shape, --dim, the data)";
       }},
      // Not a model / not a valid graph.
      {std::regex(R"re(protobuf parsing failed)re"),
       [](const std::smatch&, const std::string& f) {
         return Q(f) + " is not a readable ONNX model (protobuf parsing failed): check that the file is complete "
                       "(not a truncated download or a Git LFS pointer)";
       }},
      {std::regex(R"re(Node input '([^']*)' is not a graph input, initializer, or output of a previous node)re"),
       [](const std::smatch& m, const std::string& f) {
         return Q(f) + " is not a valid graph: tensor " + Q(m[1]) +
                " is read by a node but is no graph input, initializer or earlier node's output: repair or re-export the model";
       }},
  };
  return k;
}

}  // namespace

std::string StripOrtDecorations(const std::string& raw) {
  std::string s = RemoveAnsi(raw);
  // ORT's log-line prefix: "2026-12-06 09:34:00.123 [E:onnxruntime:qbench, file.cc:12 Function] ".
  static const std::regex kLogPrefix(R"re(^\s*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \[[VIWEF]:onnxruntime:[^\]]*\] )re");
  s = std::regex_replace(s, kLogPrefix, "");
  static const std::regex kStatus(R"re(\[ONNXRuntimeError\] : \d+ : [A-Z_]+ : )re");
  s = std::regex_replace(s, kStatus, "");
  if (const auto st = s.find("Stacktrace:"); st != std::string::npos) s.erase(st);
  s = RemoveSourceLocations(s);
  // The first line, with the indented lines that continue it ("...indices\n index: 1 Got: 5").
  std::string line;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t nl = s.find('\n', start);
    const std::string part = s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (start > 0 && !(part.size() > 0 && std::isspace(static_cast<unsigned char>(part[0])))) break;
    line += (line.empty() ? "" : " ") + Trimmed(part);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  line = Trimmed(line);
  while (!line.empty() && line.back() == '.') line.pop_back();
  return Abbreviate(line, 300);
}

std::string DescribeOrtError(const std::string& raw, const std::string& file) {
  const std::string text = RemoveAnsi(raw);
  for (const auto& p : Patterns()) {
    std::smatch m;
    if (std::regex_search(text, m, p.re)) return p.make(m, file);
  }
  return "ONNX Runtime failed on " + Q(file) + ": " + StripOrtDecorations(raw);
}

}  // namespace qbench
