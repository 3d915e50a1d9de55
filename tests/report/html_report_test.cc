// report.html: the Markdown → HTML rendering, the embedded plots, and the page as headless Chromium
// shows it (CTest label html; skipped with a message where chromium is absent — CI installs it
// through scripts/setup.sh).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lab/fake_backend.h"
#include "qbench/core/fs.h"
#include "qbench/lab/lab.h"
#include "qbench/report/html_report.h"
#include "qbench/report/plots.h"
#include "qbench/report/study_report.h"
#include "test_util.h"

namespace qbench {
namespace {

std::size_t Count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

TEST(Base64, Rfc4648TestVectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode(std::string("\x00\xff\xfe", 3)), "AP/+");
}

TEST(HtmlReport, RendersMarkdownEscapedWithImagesEmbedded) {
  const std::string dir = testing::TempDir();
  std::filesystem::create_directories(dir + "/plots");
  WriteFileAtomic(dir + "/plots/a.png", "foobar");  // content only needs to round-trip here
  const std::string md =
      "# Title <x>\n\nMeasured on **Fake CPU** with `--threads 2`.\n\n## Latency\n\n"
      "| variant | median | note |\n| --- | --- | --- |\n| fp32 | 2.50 ms | a \\| b |\n| static | 1.25 ms | <i> |\n\n"
      "- first\n- second & third\n\n![Latency vs batch](plots/a.png)\n\n![Gone](plots/none.png)\n";
  const std::string html = MarkdownToHtmlPage(md, dir, "qbench lab report");
  EXPECT_NE(html.find("<title>qbench lab report</title>"), std::string::npos);
  EXPECT_NE(html.find("<h1>Title &lt;x&gt;</h1>"), std::string::npos) << html;
  EXPECT_NE(html.find("<p>Measured on <strong>Fake CPU</strong> with <code>--threads 2</code>.</p>"), std::string::npos);
  EXPECT_NE(html.find("<table class=\"sortable\">"), std::string::npos);
  EXPECT_NE(html.find("<thead><tr><th>variant</th><th>median</th><th>note</th></tr></thead>"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>fp32</td><td>2.50 ms</td><td>a | b</td></tr>"), std::string::npos) << html;
  EXPECT_NE(html.find("<tr><td>static</td><td>1.25 ms</td><td>&lt;i&gt;</td></tr>"), std::string::npos);
  EXPECT_NE(html.find("<ul>\n<li>first</li>\n<li>second &amp; third</li>\n</ul>"), std::string::npos);
  EXPECT_NE(html.find("<img alt=\"Latency vs batch\" src=\"data:image/png;base64,Zm9vYmFy\">"), std::string::npos);
  EXPECT_NE(html.find("plot missing: plots/none.png"), std::string::npos);
  // Self-contained: nothing is fetched from anywhere.
  for (const char* ref : {"http:", "https:", "<link", "src=\"plots/", "@import", "url("})
    EXPECT_EQ(html.find(ref), std::string::npos) << ref;
  EXPECT_EQ(Count(html, "<table"), 1u);
  EXPECT_EQ(Count(html, "<script>"), 1u);
}

std::string Chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    const auto r = testing::RunCommand(std::string("command -v ") + name);
    if (r.exit_code == 0 && !r.out.empty()) return r.out.substr(0, r.out.find('\n'));
  }
  return "";
}

// Injected into a copy of report.html: records every error (scripts, resources), then on load counts
// the decoded images and the tables, sorts the first table with a "batch" column by it (twice), and
// writes the result as JSON into <pre id="qbench-check"> for --dump-dom.
const char* kCatchErrors =
    "<script>window.__errors=[];window.addEventListener('error',function(e){window.__errors.push("
    "String(e.message||(e.target&&(e.target.src||e.target.tagName))||'error').slice(0,120));},true);</script>";
const char* kCheck = R"JS(<script>
window.addEventListener('load', function () {
  var imgs = document.images, decoded = 0;
  for (var i = 0; i < imgs.length; ++i) if (imgs[i].complete && imgs[i].naturalWidth > 0) ++decoded;
  var column = function (table, col) {
    return Array.prototype.map.call(table.tBodies[0].rows, function (r) { return parseFloat(r.cells[col].textContent); });
  };
  var asc = [], desc = [];
  var tables = document.querySelectorAll('table');
  for (var t = 0; t < tables.length && !asc.length; ++t) {
    var heads = tables[t].tHead.rows[0].cells;
    for (var c = 0; c < heads.length; ++c) if (heads[c].textContent.trim() === 'batch') {
      heads[c].click(); asc = column(tables[t], c);
      heads[c].click(); desc = column(tables[t], c);
      break;
    }
  }
  var pre = document.createElement('pre');
  pre.id = 'qbench-check';
  pre.textContent = JSON.stringify({images: imgs.length, decoded: decoded, tables: tables.length,
                                    asc: asc, desc: desc, errors: window.__errors});
  document.body.appendChild(pre);
});
</script>)JS";

TEST(HtmlReport, HeadlessChromiumShowsEveryPlotAndTableOfAStudy) {
  const std::string chromium = Chromium();
  if (chromium.empty())
    GTEST_SKIP() << "chromium is absent (Debian package `chromium`; scripts/setup.sh installs it): report.html not rendered";
  const std::string out = testing::TempDir() + "/lab";
  const LabStudy study = testing::RunFakeStudy(out);  // with accuracy, roofline and a failed point
  const auto written = WriteStudyOutputs(study, out);
  ASSERT_TRUE(std::filesystem::exists(out + "/report.html"));
  const auto plots = std::count_if(written.begin(), written.end(),
                                   [](const std::string& p) { return p.find("/plots/") != std::string::npos; });
  if (PlotsBuiltIn())
    ASSERT_GE(plots, 4) << "the fake study should have latency, size and speedup plots";
  else  // -DQBENCH_PLOTS=OFF: no images; the tables and the one-line note still render
    ASSERT_EQ(plots, 0);
  const std::string md = ReadFileBytes(out + "/report.md");
  std::size_t md_tables = 0;
  std::istringstream lines(md);
  for (std::string line; std::getline(lines, line);) md_tables += line.rfind("| ---", 0) == 0 ? 1 : 0;
  ASSERT_GE(md_tables, 4u);

  std::string html = ReadFileBytes(out + "/report.html");
  EXPECT_EQ(Count(html, "<img "), static_cast<std::size_t>(plots));
  EXPECT_EQ(Count(html, "src=\"data:image/png;base64,"), static_cast<std::size_t>(plots));
  html.insert(html.find("<head>") + 6, kCatchErrors);
  html.insert(html.rfind("</body>"), kCheck);
  const std::string page = out + "/check.html";
  WriteFileAtomic(page, html);
  // As root in CI: no sandbox; no GPU; a throw-away profile; virtual time lets the load event run.
  const auto r = testing::RunCommand("timeout 180 " + chromium +
                                     " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --user-data-dir=" + out +
                                     "/profile --virtual-time-budget=10000 --dump-dom file://" + page);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = r.out.find("<pre id=\"qbench-check\">");
  ASSERT_NE(a, std::string::npos) << "the check script did not run; chromium said:\n" << r.err.substr(0, 2000);
  const auto b = r.out.find("</pre>", a);
  const auto check = nlohmann::json::parse(r.out.substr(a + 23, b - a - 23));
  EXPECT_EQ(check["errors"].size(), 0u) << check.dump();
  EXPECT_EQ(check["images"], plots) << check.dump();
  EXPECT_EQ(check["decoded"], plots) << check.dump();  // every embedded PNG decoded (naturalWidth > 0)
  EXPECT_EQ(check["tables"], md_tables) << check.dump();
  // Sorting works offline: the latency table by batch, ascending then descending.
  const auto asc = check["asc"].get<std::vector<double>>();
  const auto desc = check["desc"].get<std::vector<double>>();
  ASSERT_GE(asc.size(), 3u) << check.dump();
  EXPECT_TRUE(std::is_sorted(asc.begin(), asc.end())) << check.dump();
  EXPECT_TRUE(std::is_sorted(desc.rbegin(), desc.rend())) << check.dump();
  EXPECT_LT(asc.front(), asc.back());
}

}  // namespace
}  // namespace qbench
