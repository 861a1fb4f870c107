#include "cli/shell_completions.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/option_values.h"

namespace fetchpool::cli {
namespace {

// What a completion needs of one option of one command.
struct OptionInfo {
  std::vector<std::string> long_names;   ///< Without "--".
  std::vector<std::string> short_names;  ///< Without "-".
  std::string description;
  std::string type;                          ///< "FILE", "DIR", "MODE"; empty for a flag.
  bool repeatable = false;                   ///< -H A -H B.
  std::span<const std::string_view> values;  ///< A fixed list, else empty.

  bool takes_value() const { return !type.empty(); }
  bool completes_files() const { return type == "FILE" || type == "PATH"; }
  bool completes_dirs() const { return type == "DIR"; }
};

struct CommandInfo {
  std::string name;
  std::string description;
  std::vector<OptionInfo> options;
  std::string positional;  ///< Its positional's type name ("URL", "IMAGE").
  bool many_positionals = false;
};

// The documented options (those --help lists: every one with a group), command by command.
std::vector<CommandInfo> commands_of(const CLI::App& app) {
  std::vector<CommandInfo> commands;
  for (const CLI::App* command : app.get_subcommands({})) {
    CommandInfo info{command->get_name(), command->get_description(), {}, {}, false};
    for (const CLI::Option* option : command->get_options()) {
      if (option->get_group().empty()) continue;
      if (option->get_positional()) {
        info.positional = option->get_type_name();
        info.many_positionals = option->get_expected_max() > 1;
        continue;
      }
      OptionInfo o;
      o.long_names = option->get_lnames();
      o.short_names = option->get_snames();
      o.description = option->get_description();
      if (option->get_type_size() != 0) o.type = option->get_type_name();
      o.repeatable = o.takes_value() && option->get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
      if (!o.long_names.empty()) o.values = option_values(info.name, "--" + o.long_names.front());
      info.options.push_back(std::move(o));
    }
    commands.push_back(std::move(info));
  }
  return commands;
}

std::string join(std::span<const std::string_view> words, std::string_view separator) {
  std::string out;
  for (std::string_view word : words) out += (out.empty() ? "" : std::string(separator)) + std::string(word);
  return out;
}

// `text` inside a single-quoted shell word: ' becomes '\'' (sh, bash, zsh).
std::string sh_quoted(std::string_view text) {
  std::string out;
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out;
}

// `text` with a backslash before each of `special` (and before a backslash itself).
std::string backslashed(std::string_view text, std::string_view special) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || special.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// Text inside _arguments' "[description]": brackets escaped, then quoted.
std::string zsh_description(std::string_view text) {
  return sh_quoted(backslashed(text, "[]"));
}

// A message or value inside an _arguments spec, where ':' separates fields.
std::string zsh_field(std::string_view text) {
  return sh_quoted(backslashed(text, ":"));
}

// Text inside a fish single-quoted string: \ and ' escaped.
std::string fish_quoted(std::string_view text) {
  return backslashed(text, "'");
}

}  // namespace

std::string bash_completion(const CLI::App& app) {
  std::string commands, files, dirs, values, cases;
  auto add_to = [](std::string* list, const std::string& word) {
    if ((*list + "|").find("|" + word + "|") == std::string::npos) *list += "|" + word;
  };
  const std::vector<CommandInfo> all = commands_of(app);
  for (const CommandInfo& command : all) {
    commands += " " + command.name;
    std::string words;
    for (const OptionInfo& option : command.options) {
      std::vector<std::string> names;
      for (const std::string& name : option.long_names) names.push_back("--" + name);
      for (const std::string& name : option.short_names) names.push_back("-" + name);
      for (const std::string& name : names) words += " " + name;
      if (!option.values.empty()) {
        std::string patterns;
        for (const std::string& name : names) patterns += "|" + command.name + ":" + name;
        values += fmt::format("    {}) COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return ;;\n",
                              patterns.substr(1), join(option.values, " "));
      }
      std::string* completes = option.completes_dirs() ? &dirs : option.completes_files() ? &files : nullptr;
      if (completes == nullptr) continue;
      for (const std::string& name : names) add_to(completes, name);
    }
    cases += fmt::format("    {}) opts=\"{}\" ;;\n", command.name, words.substr(1));
  }
  auto pattern = [](const std::string& list) {
    return list.empty() ? std::string("--no-such-option") : list.substr(1);
  };
  std::string command_pattern;
  for (const CommandInfo& command : all) command_pattern += "|" + command.name;
  return fmt::format(R"(# bash completion for fetchpool (generated by `fetchpool --generate bash-completion`)
_fetchpool() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
  local command="" word opts
  for word in "${{COMP_WORDS[@]:1:COMP_CWORD-1}}"; do
    case "$word" in {commands_pattern}) command="$word"; break ;; esac
  done
  case "$command:$prev" in
{values}  esac
  case "$prev" in
    {files}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    {dirs}) COMPREPLY=($(compgen -d -- "$cur")); return ;;
  esac
  case "$command" in
{cases}    *) COMPREPLY=($(compgen -W "{commands} --help --version" -- "$cur")); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}}
complete -o filenames -F _fetchpool fetchpool
)",
                     fmt::arg("commands_pattern", pattern(command_pattern)), fmt::arg("values", values),
                     fmt::arg("files", pattern(files)), fmt::arg("dirs", pattern(dirs)),
                     fmt::arg("cases", cases), fmt::arg("commands", commands.substr(1)));
}

std::string zsh_completion(const CLI::App& app) {
  const std::vector<CommandInfo> all = commands_of(app);
  std::string functions, command_list, dispatch;
  for (const CommandInfo& command : all) {
    std::vector<std::string> specs;
    for (const OptionInfo& option : command.options) {
      std::vector<std::string> names;
      for (const std::string& name : option.short_names) names.push_back("-" + name);
      for (const std::string& name : option.long_names) names.push_back("--" + name);
      // Used once unless repeatable: "(-j --jobs)"; --jobs= takes "--jobs=8" and "--jobs 8".
      std::string exclusion;
      for (const std::string& name : names) exclusion += (exclusion.empty() ? "" : " ") + name;
      std::string spelled;
      for (const std::string& name : names) {
        spelled += (spelled.empty() ? "" : ",") + name + (option.takes_value() && name.size() > 2 ? "=" : "");
      }
      std::string spec = option.repeatable ? "'*'" : "'(" + exclusion + ")'";
      spec += names.size() > 1 ? "{" + spelled + "}" : spelled;
      spec += "'[" + zsh_description(option.description) + "]";
      if (option.takes_value()) {
        std::string action = !option.values.empty()     ? "(" + join(option.values, " ") + ")"
                             : option.completes_dirs()  ? "_files -/"
                             : option.completes_files() ? "_files"
                                                        : "";
        spec += ":" + zsh_field(option.type) + ":" + action;
      }
      specs.push_back(spec + "'");
    }
    if (!command.positional.empty()) {
      specs.push_back(fmt::format("'{}:{}:{}'", command.many_positionals ? "*" : "",
                                  zsh_field(command.positional), command.positional == "URL" ? "_urls" : ""));
    }
    std::string arguments = "  _arguments -s -S";
    for (const std::string& spec : specs) arguments += " \\\n    " + spec;
    functions += fmt::format("_fetchpool_{}() {{\n{}\n}}\n\n", command.name, arguments);
    command_list += fmt::format("    '{}:{}'\n", command.name, zsh_field(command.description));
    dispatch += fmt::format("        {0}) _fetchpool_{0} ;;\n", command.name);
  }
  return fmt::format(R"(#compdef fetchpool
# zsh completion for fetchpool (generated by `fetchpool --generate zsh-completion`)

{functions}_fetchpool() {{
  local curcontext="$curcontext" state line
  local -a commands
  commands=(
{command_list}  )
  _arguments -C \
    '(- *)'{{-h,--help}}'[Print the help]' \
    '(- *)'{{-V,--version}}'[Print the version, the libraries and features in use]' \
    '1:command:->command' \
    '*::argument:->argument'
  case $state in
    command) _describe -t commands 'fetchpool command' commands ;;
    argument)
      case $words[1] in
{dispatch}      esac ;;
  esac
}}

_fetchpool "$@"
)",
                     fmt::arg("functions", functions), fmt::arg("command_list", command_list),
                     fmt::arg("dispatch", dispatch));
}

std::string fish_completion(const CLI::App& app) {
  const std::vector<CommandInfo> all = commands_of(app);
  std::string out =
      "# fish completion for fetchpool (generated by `fetchpool --generate fish-completion`)\n"
      "# Nothing completes to file names unless an option takes a FILE.\n"
      "complete -c fetchpool -f\n"
      "complete -c fetchpool -n __fish_use_subcommand -s h -l help -d 'Print the help'\n"
      "complete -c fetchpool -n __fish_use_subcommand -s V -l version -d 'Print the version, the libraries "
      "and "
      "features in use'\n";
  for (const CommandInfo& command : all) {
    out += fmt::format("complete -c fetchpool -n __fish_use_subcommand -a {} -d '{}'\n", command.name,
                       fish_quoted(command.description));
  }
  for (const CommandInfo& command : all) {
    out += "\n";
    for (const OptionInfo& option : command.options) {
      std::string line = "complete -c fetchpool -n '__fish_seen_subcommand_from " + command.name + "'";
      for (const std::string& name : option.short_names) line += " -s " + name;
      for (const std::string& name : option.long_names) line += " -l " + name;
      if (!option.values.empty()) {
        line += " -x -a '" + join(option.values, " ") + "'";
      } else if (option.completes_dirs()) {
        line += " -x -a '(__fish_complete_directories)'";
      } else if (option.completes_files()) {
        line += " -r -F";
      } else if (option.takes_value()) {
        line += " -x";
      }
      out += line + " -d '" + fish_quoted(option.description) + "'\n";
    }
  }
  return out;
}

}  // namespace fetchpool::cli
