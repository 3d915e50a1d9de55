// The lab's plots when qbench is built without PLplot (-DQBENCH_PLOTS=OFF, e.g. on a board that
// should not pull PLplot's desktop packages): no PNG is drawn; report.md and report.html say so in
// one line (PlotsSection), quantize --auto that it draws no Pareto plot; every number stays in the
// tables and in results.json / results.csv.
#include "qbench/report/auto_plot.h"
#include "qbench/report/memory_report.h"
#include "qbench/report/merge.h"
#include "qbench/report/plots.h"

namespace qbench {

std::vector<PlotFile> WriteStudyPlots(const LabStudy& study, const std::string& output_dir,
                                      const std::function<bool()>& stop) {
  (void)study;
  (void)output_dir;
  (void)stop;
  return {};
}

bool MemoryPlot(const LabStudy& study, const std::string& path, std::string* title) {
  (void)study;
  (void)path;
  (void)title;
  return false;
}

bool WriteAutoParetoPlot(const AutoQuantizeResult& result, const std::string& path) {
  (void)result;
  (void)path;
  return false;
}

std::vector<PlotFile> WriteMergedPlots(const MergedStudy& merged, const std::string& output_dir) {
  (void)merged;
  (void)output_dir;
  return {};
}

}  // namespace qbench
