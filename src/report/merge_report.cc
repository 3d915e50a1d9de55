// The merged report's text (merge.h): observations across devices and report.md, and writing the
// merged folder.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/report/analysis.h"
#include "qbench/report/device_report.h"
#include "qbench/report/html_report.h"
#include "qbench/report/memory_report.h"
#include "qbench/report/merge.h"
#include "qbench/report/study_report.h"
#include "report/report_util.h"

namespace qbench {
namespace fs = std::filesystem;
using nlohmann::json;
using report_internal::Join;
using report_internal::PeaksFor;
using report_internal::PointWords;

namespace {

// The int8 instructions a device's CPU has (environment "isa"), in words.
std::string Int8Instructions(const EnvironmentInfo& env) {
  static const std::vector<std::pair<const char*, const char*>> kInt8 = {
      {"amx_int8", "AMX int8 tiles"},     {"avx512_vnni", "AVX-512 VNNI"}, {"avx_vnni", "AVX-VNNI"},
      {"i8mm", "i8mm int8 matrix multiply"}, {"asimddp", "NEON dot product (sdot/udot)"}};
  if (env.isa_flags.empty()) return "";
  const auto has = [&](const std::string& flag) {
    for (const auto& [name, on] : env.isa_flags)
      if (name == flag) return on;
    return false;
  };
  std::vector<std::string> have;
  for (const auto& [flag, words] : kInt8)
    if (has(flag)) have.push_back(words);
  if (!have.empty()) return Join(have);
  if (env.architecture == "aarch64" || env.architecture == "arm64") return "no int8 dot-product instructions (plain NEON)";
  return has("avx2") ? "no VNNI or AMX (int8 through AVX2 VPMADDUBSW, about as fast as fp32 FMA)"
                                         : "no int8 dot-product instructions";
}

// "int8:fp32 MatMul peak 3.1x" from the device's roofline at `threads`, or "".
std::string PeakRatio(const LabStudy& s, std::int64_t threads) {
  const RooflinePeaks* p = PeaksFor(s, threads);
  if (!p || p->fp32_macs_per_s <= 0 || p->int8_macs_per_s <= 0) return "";
  return fmt::format("int8:fp32 MatMul peak {}", FormatRatio(p->int8_macs_per_s / p->fp32_macs_per_s));
}

std::string Hardware(const DeviceStudy& d, std::int64_t threads) {
  std::vector<std::string> parts;
  const std::string isa = Int8Instructions(d.study.environment);
  if (!isa.empty()) parts.push_back(isa);
  const std::string peak = PeakRatio(d.study, threads);
  if (!peak.empty()) parts.push_back(peak);
  return parts.empty() ? "no ISA flags or roofline recorded" : Join(parts, "; ");
}

std::string SpeedupText(const PointResult& p) {
  return fmt::format("{} at batch {}, {} thread(s)", FormatSpeedupCi(p), p.point.batch, p.point.threads);
}

std::vector<std::string> AllModels(const MergedStudy& m) {
  std::vector<std::string> out;
  for (const auto& d : m.devices)
    for (const auto& x : StudyModels(d.study))
      if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
  return out;
}

std::vector<std::string> AllVariants(const MergedStudy& m) {
  std::vector<std::string> out;
  for (const auto& d : m.devices)
    for (const auto& x : StudyVariants(d.study))
      if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
  return out;
}

// " — COLLAPSED ..." after a latency row's speedup where the point's variant collapsed (CollapsedStatus), as
// in each study's own report.
std::string CollapsedMark(const LabStudy& s, const PointResult& p) {
  const std::string status = CollapsedStatus(s, p.point.model, p.point.variant);
  return status.empty() ? "" : " — " + MarkdownCell(status);
}

// Each device's warnings (busy machine, high variation, collapse, ...) from every study and shard merged,
// each once: the merged report is read instead of theirs, so it must not lose them.
std::string WarningsPerDevice(const MergedStudy& merged) {
  std::string md;
  for (const auto& d : merged.devices) {
    std::vector<std::string> seen;
    for (const auto& w : d.study.warnings)
      if (std::find(seen.begin(), seen.end(), w) == seen.end()) seen.push_back(w);
    if (seen.empty()) continue;
    md += "\n### " + d.device + "\n\n";
    for (const auto& w : seen) md += "- " + MarkdownCell(w) + "\n";
  }
  return md.empty() ? "" : "\n## Warnings\n" + md;
}

// `markdown` with every heading `levels` deeper ("## Memory" → "#### Memory"), to nest a section.
std::string DemoteHeadings(const std::string& markdown, int levels) {
  std::string out;
  size_t start = 0;
  while (start < markdown.size()) {
    size_t end = markdown.find('\n', start);
    if (end == std::string::npos) end = markdown.size() - 1;
    const std::string line = markdown.substr(start, end - start + 1);
    out += (line.rfind('#', 0) == 0 ? std::string(static_cast<size_t>(levels), '#') : std::string()) + line;
    start = end + 1;
  }
  return out;
}

}  // namespace

std::vector<std::string> CrossDeviceObservations(const MergedStudy& merged) {
  std::vector<std::string> out;
  if (merged.devices.size() < 2) {
    out.push_back("one device only: nothing to compare across devices (merge the folders of other machines' studies)");
    return out;
  }
  const auto variants = AllVariants(merged);
  const std::string base = variants.empty() ? "" : variants.front();
  for (const auto& model : AllModels(merged)) {
    // Fastest device for the baseline at its reference point.
    const DeviceStudy* fastest = nullptr;
    const PointResult* fastest_p = nullptr;
    const PointResult* slowest_p = nullptr;
    const DeviceStudy* slowest = nullptr;
    for (const auto& d : merged.devices) {
      const PointResult* p = ReferencePoint(d.study, model, base);
      if (!p) continue;
      if (!fastest_p || p->latency.median_ms < fastest_p->latency.median_ms) fastest = &d, fastest_p = p;
      if (!slowest_p || p->latency.median_ms > slowest_p->latency.median_ms) slowest = &d, slowest_p = p;
    }
    if (fastest && slowest && fastest != slowest)
      out.push_back(fmt::format("{} {}: fastest on {} ({} at batch {}, {} thread(s)), slowest on {} ({}, {} thread(s)): {} apart",
                                model, base, fastest->device, FormatMs(fastest_p->latency.median_ms), fastest_p->point.batch,
                                fastest_p->point.threads, slowest->device, FormatMs(slowest_p->latency.median_ms),
                                slowest_p->point.threads, FormatRatio(slowest_p->latency.median_ms / fastest_p->latency.median_ms)));
    for (const auto& v : variants) {
      if (v == base) continue;
      std::vector<std::pair<const DeviceStudy*, const PointResult*>> paid, not_paid;
      for (const auto& d : merged.devices) {
        const PointResult* p = ReferencePoint(d.study, model, v);
        if (!p || !p->has_speedup) continue;
        (p->speedup_ci95_low > 1.0 ? paid : not_paid).emplace_back(&d, p);
      }
      if (paid.empty() && not_paid.empty()) continue;
      auto list = [](const std::vector<std::pair<const DeviceStudy*, const PointResult*>>& v) {
        std::vector<std::string> parts;
        for (const auto& [d, p] : v) parts.push_back(d->device + " " + SpeedupText(*p) + " (" + Hardware(*d, p->point.threads) + ")");
        return Join(parts, "; ");
      };
      if (!paid.empty() && !not_paid.empty()) {
        out.push_back(fmt::format("{} {}: int8 paid on {} but not on {} (in parentheses: each device's int8 instructions and "
                                  "roofline peaks, the hardware reason)",
                                  model, v, list(paid), list(not_paid)));
      } else if (not_paid.empty()) {
        double lo = 1e300, hi = 0;
        for (const auto& [d, p] : paid) lo = std::min(lo, p->speedup), hi = std::max(hi, p->speedup);
        out.push_back(fmt::format("{} {}: int8 paid on every device ({} to {}): {}", model, v, FormatRatio(lo), FormatRatio(hi), list(paid)));
      } else {
        out.push_back(fmt::format("{} {}: int8 paid on no device (no speedup's 95 % CI lies above 1): {}", model, v,
                                  list(not_paid)));
      }
    }
  }
  return out;
}

std::string MergedMarkdown(const MergedStudy& merged, const std::vector<PlotFile>& plots, const std::string& generated_at_utc) {
  std::string md = fmt::format("# qbench report: {} device(s)\n\n", merged.devices.size());
  md += "Generated " + generated_at_utc + " from " + Join(merged.inputs) + ".\n\n";
  if (!merged.mismatches.empty()) {
    md += "> **Settings differ between the merged studies (merged with --allow-mismatch): their numbers are not strictly "
          "comparable.** " + Join(merged.mismatches, "; ") + ".\n\n";
  }
  md += "## Devices\n\n| device | CPU | architecture | logical cores | int8 instructions | fp32 / int8 MatMul peak | shards | "
        "points (recorded / planned) | failed | missing |\n|---|---|---|---:|---|---|---|---:|---:|---:|\n";
  for (const auto& d : merged.devices) {
    const LabEnvironment& env = d.study.environment;
    const RooflinePeaks* p = PeaksFor(d.study, report_internal::FirstThreads(d.study));
    std::vector<std::string> shards;
    for (int s : d.shards) shards.push_back(std::to_string(s));
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} / {} | {} | {} |\n", MarkdownCell(d.device), MarkdownCell(env.cpu_model.empty() ? "?" : env.cpu_model),
                      env.architecture.empty() ? "?" : env.architecture, env.logical_cores, MarkdownCell(Int8Instructions(env)),
                      p ? FormatGiga(p->fp32_macs_per_s) + "MAC/s / " + FormatGiga(p->int8_macs_per_s) + "MAC/s" : std::string("-"),
                      shards.empty() ? std::string("-") : Join(shards, ","), d.study.points.size(), d.planned.size(), d.failed.size(),
                      d.missing.size());
  }
  md += "\n## Observations across devices\n\n";
  for (const auto& o : CrossDeviceObservations(merged)) md += "- " + o + "\n";
  // What each device's study says on its own, from the same functions as the lab's report.md:
  // findings, what each model file is (size, precision, what was quantized), memory per variant,
  // energy, external variants and execution provider.
  md += "\n## Findings, models, size and memory per device\n";
  for (const auto& d : merged.devices) {
    md += "\n### " + d.device + "\n\n";
    const auto findings = GenerateObservations(d.study);
    for (const auto& o : findings) md += "- " + o + "\n";
    if (!findings.empty()) md += "\n";
    if (!d.study.models.empty()) md += ModelsMarkdown(d.study);
    md += DemoteHeadings(MemoryMarkdown(d.study), 2);
    // Energy (or why not, once), external variants and the execution provider (device_report.h).
    md += DemoteHeadings(EnergyMarkdown(d.study) + ExternalVariantsMarkdown(d.study) + AutoVariantMarkdown(d.study) +
                                 ProviderMarkdown(d.study), 2);
  }
  md += "\n## Latency per device\n\nMedian latency per run with the confidence interval of the median; speedup against the "
        "baseline timed interleaved on the same device in the same run, with its 95 % CI.\n";
  for (const auto& d : merged.devices) {
    // Several unsharded studies of one device: each row says which run it is from, since its speedup is
    // against that run's baseline, not the baseline row shown from another run.
    const bool several_runs = d.shards.empty() && d.sources.size() > 1;
    md += "\n### " + d.device + "\n\n";
    if (several_runs)
      md += "Rows come from " + std::to_string(d.sources.size()) + " studies of this device (column \"run\"): a speedup is "
            "against the baseline of its own run, so it need not equal the ratio of two medians from different runs.\n\n";
    md += std::string("| model | variant | batch | input size | threads | ") + (several_runs ? "run" : "shard") +
          " | median (CI) | speedup (95 % CI) |\n|---|---|---:|---:|---:|---:|---|---|\n";
    for (const auto& p : d.study.points) {
      const auto src = d.point_source.find(p.point.Key());
      const std::string run = src == d.point_source.end() ? "-" : "`" + std::filesystem::path(DirName(src->second)).filename().string() + "`";
      md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", MarkdownCell(p.point.model), p.point.variant, p.point.batch,
                        InputSizeLabel(p.point.input_size, false), p.point.threads,
                        several_runs ? run : p.shard >= 0 ? std::to_string(p.shard) : std::string("-"),
                        p.ok ? FormatMs(p.latency.median_ms) + " " + FormatMedianCi(p.latency) : "failed: " + MarkdownCell(p.error),
                        (p.ok && p.has_speedup ? FormatSpeedupCi(p) : std::string("-")) + CollapsedMark(d.study, p));
    }
  }
  bool any_acc = false;
  for (const auto& d : merged.devices) any_acc = any_acc || !d.study.accuracy.empty();
  if (any_acc) {
    md += "\n## Accuracy per device\n\n| device | model | variant | samples | top-1 (95 % CI) |\n|---|---|---|---:|---|\n";
    for (const auto& d : merged.devices)
      for (const auto& a : d.study.accuracy)
        md += fmt::format("| {} | {} | {} | {} | {} |\n", MarkdownCell(d.device), MarkdownCell(a.model), a.variant, a.samples,
                          a.ok ? fmt::format("{:.1f} % [{:.1f}, {:.1f}]", 100 * a.top1, 100 * a.top1_ci95_low, 100 * a.top1_ci95_high)
                               : "failed: " + MarkdownCell(a.error));
  }
  md += "\n## Missing and failed points\n\n";
  bool none = true;
  for (const auto& d : merged.devices) {
    // Points are separated by "; " since their words hold commas.
    if (!d.missing.empty()) {
      std::vector<std::string> points;
      for (const auto& id : d.missing) {
        auto it = d.missing_shard.find(id);
        points.push_back(PointWords(id) + (it != d.missing_shard.end() ? fmt::format(" (shard {})", it->second) : std::string()));
      }
      md += "- " + d.device + ": missing " + Join(points, "; ") + "\n";
      none = false;
    }
    if (!d.failed.empty()) {
      std::vector<std::string> points;
      for (const auto& id : d.failed) points.push_back(PointWords(id));
      md += "- " + d.device + ": failed " + Join(points, "; ") + "\n";
      none = false;
    }
    if (!d.duplicates.empty()) {
      // Grouped by which files recorded them and whose values the report shows.
      std::map<std::pair<std::string, std::string>, std::vector<std::string>> groups;  // (kept, others) → points
      for (const auto& id : d.duplicates) {
        std::vector<std::string> others;
        const std::string kept = d.duplicate_kept.count(id) ? d.duplicate_kept.at(id) : "";
        if (d.duplicate_files.count(id))
          for (const auto& f : d.duplicate_files.at(id))
            if (f != kept && std::find(others.begin(), others.end(), "`" + f + "`") == others.end()) others.push_back("`" + f + "`");
        groups[{kept, Join(others)}].push_back(PointWords(id));
      }
      for (const auto& [files, points] : groups)
        md += fmt::format("- {}: {} point(s) recorded by more than one study (the first ok record kept): the values shown are "
                          "`{}`'s, those of {} are not shown: {}\n",
                          d.device, points.size(), files.first, files.second, Join(points, "; "));
      none = false;
    }
  }
  if (none) md += "Every planned point was measured exactly once on each device.\n";
  md += WarningsPerDevice(merged);
  const std::string plot_section = PlotsSection(plots, PlotsBuiltIn());  // one line without PLplot
  if (!plot_section.empty()) md += "\n" + plot_section;
  md += "\n## Settings\n\nThe settings that define a measurement, equal in every merged study";
  md += merged.mismatches.empty() ? "" : " except as noted above";
  md += ":\n\n```\n" + (merged.has_settings ? nlohmann::json(merged.settings).dump(2) : std::string("(none recorded)")) + "\n```\n";
  md += "\nSources:\n\n";
  for (const auto& d : merged.devices)
    for (const auto& s : d.sources) md += "- " + d.device + ": `" + s + "`\n";
  return md;
}

std::vector<std::string> WriteMergedReport(const MergedStudy& merged, const std::string& output_dir, bool with_plots,
                                           const std::string& generated_at_utc) {
  std::error_code ec;
  fs::create_directories(output_dir, ec);
  if (ec) throw Error(ErrorCode::kIo, "cannot create output folder '" + output_dir + "': " + ec.message());
  std::vector<std::string> written;
  report_internal::WriteOutput(output_dir, "results.json", MergedJson(merged, generated_at_utc).dump(2) + "\n", &written);
  report_internal::WriteOutput(output_dir, "results.csv", MergedCsv(merged), &written);
  std::vector<PlotFile> plots;
  if (with_plots) {
    plots = WriteMergedPlots(merged, output_dir);
    for (const auto& p : plots) written.push_back(output_dir + "/" + p.path);
  }
  report_internal::WriteReportPages(output_dir, MergedMarkdown(merged, plots, generated_at_utc), "qbench report", &written);
  return written;
}

}  // namespace qbench
