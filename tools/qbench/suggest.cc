// "did you mean …" for a mistyped flag or subcommand (suggest.h).
#include "suggest.h"

#include <algorithm>
#include <map>

namespace qbench::cli {

CLI::App* SelectedCommand(CLI::App* app) {
  for (;;) {
    const auto selected = app->get_subcommands();
    if (selected.empty()) return app;
    app = selected.front();
  }
}

std::string CommandPath(const CLI::App* cmd) {
  std::string path;
  for (const CLI::App* a = cmd; a != nullptr; a = a->get_parent())
    path = a->get_parent() == nullptr ? "qbench" + path : " " + a->get_name() + path;
  return path;
}

namespace {

// The flags a user may type in `cmd` and its parents (global flags). A hidden deprecated alias
// (flags.h: AddDeprecatedAlias, described "deprecated spelling of --X") counts as a spelling of its
// canonical flag: a typo of it suggests the canonical name. Returns {spelling, name to suggest}.
std::vector<std::pair<std::string, std::string>> OptionNames(const CLI::App* cmd) {
  static const std::string kAlias = "deprecated spelling of ";
  std::vector<std::pair<std::string, std::string>> names;
  for (const CLI::App* a = cmd; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* opt : a->get_options()) {
      if (opt->get_positional()) continue;
      const std::string desc = opt->get_description();
      const bool alias = opt->get_group().empty() && desc.rfind(kAlias, 0) == 0;
      if (opt->get_group().empty() && !alias) continue;
      for (const auto& l : opt->get_lnames()) names.emplace_back("--" + l, alias ? desc.substr(kAlias.size()) : "--" + l);
      for (const auto& s : opt->get_snames()) names.emplace_back("-" + s, "-" + s);
    }
  }
  return names;
}

// The long flags of `cmd` alone (its own options, no aliases, no positionals), as "--name".
std::vector<std::string> OwnLongFlags(const CLI::App* cmd) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : cmd->get_options()) {
    if (opt->get_positional() || opt->get_group().empty()) continue;
    for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
  }
  return names;
}

bool HasFlag(const std::vector<std::string>& flags, const std::string& f) {
  return std::find(flags.begin(), flags.end(), f) != flags.end();
}

// Whether `a` spells `b` with a longer prefix: "--auto-max-drop" of "--max-drop".
bool PrefixedSpelling(const std::string& a, const std::string& b) {
  const std::string tail = "-" + b.substr(2);
  return a.size() > tail.size() + 2 && a.compare(a.size() - tail.size(), tail.size(), tail) == 0;
}

std::vector<std::string> SubcommandNames(const CLI::App* cmd) {
  std::vector<std::string> names;
  for (const CLI::App* s : cmd->get_subcommands([](const CLI::App*) { return true; }))
    if (!s->get_name().empty()) names.push_back(s->get_name());
  return names;
}

std::map<const CLI::App*, std::string>& PositionalHints() {
  static std::map<const CLI::App*, std::string> hints;
  return hints;
}

}  // namespace

void SetPositionalHint(const CLI::App* cmd, const std::string& hint) { PositionalHints()[cmd] = hint; }

std::string OtherCommandsSpelling(const CLI::App* cmd, const std::string& flag) {
  const CLI::App* parent = cmd->get_parent();
  if (parent == nullptr || flag.size() < 3 || flag.compare(0, 2, "--") != 0) return "";
  const auto own = OwnLongFlags(cmd);
  if (HasFlag(own, flag)) return "";
  std::vector<std::string> others;  // every sibling that has the flag, in registration order
  for (const CLI::App* other : parent->get_subcommands([](const CLI::App*) { return true; })) {
    if (other == cmd || !HasFlag(OwnLongFlags(other), flag)) continue;
    for (const auto& mine : own) {
      if (!PrefixedSpelling(mine, flag) && !PrefixedSpelling(flag, mine)) continue;
      return "; did you mean '" + mine + "'? (" + other->get_name() + "'s " + flag + " is " + cmd->get_name() + "'s " +
             mine + ")";
    }
    others.push_back("`" + CommandPath(other) + "`");
  }
  if (others.empty()) return "";
  std::string list;
  for (size_t i = 0; i < others.size(); ++i)
    list += (i == 0 ? "" : i + 1 == others.size() ? " and " : ", ") + others[i];
  return "; '" + flag + "' is an option of " + list + ", not of `" + CommandPath(cmd) + "`";
}

CLI::Validator OneOf(const std::vector<std::string>& names) {
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  return CLI::Validator(
      [names, list](std::string& value) -> std::string {
        if (std::find(names.begin(), names.end(), value) != names.end()) return "";
        const std::string match = ClosestMatch(value, names);
        return "unknown value '" + value + "'" + (match.empty() ? "" : "; did you mean '" + match + "'?") + " (one of: " +
               list + ")";
      },
      "{" + list + "}");
}

std::string ParseErrorMessage(CLI::App* app, const CLI::ParseError& error) {
  CLI::App* cmd = SelectedCommand(app);
  const std::string help = " (see `" + CommandPath(cmd) + " --help`)";
  // CLI11's "--mode: At Most 1 required but received 2": a flag repeated.
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr) {
    const std::string what = error.what(), marker = ": At Most ";
    const auto at = what.find(marker), received = what.find(" required but received ");
    if (at != std::string::npos && received != std::string::npos) {
      const std::string flag = what.substr(0, at), most = what.substr(at + marker.size(), received - at - marker.size());
      const std::string times = what.substr(received + std::string(" required but received ").size());
      return "'" + flag + "' was given " + times + " times; give it " + (most == "1" ? "once" : "at most " + most + " times") +
             help;
    }
  }
  const bool unknown = dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr ||
                       dynamic_cast<const CLI::RequiredError*>(&error) != nullptr;
  const auto hint = PositionalHints().find(cmd);
  if (unknown && hint != PositionalHints().end()) {
    // A word where the subcommand takes no more positionals: the value of a flag the user left out.
    // An unknown flag left over comes first (its value is left over too: "--max-drop 1").
    bool flag_left = false;
    std::string word_left;
    for (CLI::App* a = cmd; a != nullptr; a = a->get_parent())  // with fallthrough it may reach the root
      for (const auto& word : a->remaining()) {
        if (word.size() > 1 && word[0] == '-') flag_left = true;
        else if (!word.empty() && word_left.empty()) word_left = word;
      }
    if (!flag_left && !word_left.empty())
      return "unexpected argument '" + word_left + "' for `" + CommandPath(cmd) + "`: " + hint->second + help;
  }
  if (unknown) {
    // The first word nobody took: a flag (typo of an option) or a word (typo of a subcommand).
    for (CLI::App* a = cmd; a != nullptr; a = a->get_parent()) {
      for (const auto& word : a->remaining()) {
        if (word.size() > 1 && word[0] == '-') {
          const std::string flag = word.substr(0, word.find('='));
          const auto names = OptionNames(cmd);
          std::vector<std::string> spellings;
          for (const auto& n : names) spellings.push_back(n.first);
          std::string match = ClosestMatch(flag, spellings);
          for (const auto& n : names)
            if (n.first == match) match = n.second;
          // A flag of a sibling subcommand (quantize's --max-drop typed to the lab) before a typo guess.
          const std::string other = OtherCommandsSpelling(cmd, flag);
          return "unknown option '" + flag + "' for `" + CommandPath(cmd) + "`" +
                 (!other.empty() ? other : match.empty() ? "" : "; did you mean '" + match + "'?") + help;
        }
        const auto subs = SubcommandNames(cmd);
        if (!subs.empty()) {
          const std::string match = ClosestMatch(word, subs);
          return "unknown command '" + word + "' for `" + CommandPath(cmd) + "`" +
                 (match.empty() ? "" : "; did you mean '" + match + "'?") + help;
        }
      }
    }
  }
  return std::string(error.what()) + help;
}

}  // namespace qbench::cli
