#include "cli/generated_docs.h"

#include <CLI/CLI.hpp>
#include <cctype>
#include <sstream>
#include <vector>

#include "cli/man_reference.h"

namespace fetchpool::cli {
namespace {

// Text as roff reads it: backslashes and hyphens escaped, and no line starting with a
// control character ('.' or ').
std::string roff(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

std::vector<const CLI::Option*> visible_options(const CLI::App& app) {
  std::vector<const CLI::Option*> options;
  for (const CLI::Option* option : app.get_options()) {
    if (!option->get_group().empty()) options.push_back(option);
  }
  return options;
}

// "-j, --jobs N"
std::string option_label(const CLI::Option* option) {
  std::string names = option->get_name(false, true);  // "-j,--jobs"
  std::string label;
  for (char c : names) label += c == ',' ? std::string(", ") : std::string(1, c);
  if (option->get_type_size() != 0 && !option->get_type_name().empty())
    label += " " + option->get_type_name();
  return label;
}

// ".B fetchpool get\n[OPTIONS] URL..."
std::string synopsis(const CLI::App& command) {
  std::string positional;
  for (const CLI::Option* option : command.get_options()) {
    if (option->get_positional())
      positional += " " + option->get_type_name() + (option->get_expected_max() > 1 ? "..." : "");
  }
  return ".B fetchpool " + command.get_name() + "\n[\\fIOPTIONS\\fR]" + roff(positional) + "\n";
}

void man_section_for(const CLI::App& command, std::ostringstream& out) {
  std::string title = "FETCHPOOL " + command.get_name();
  for (char& c : title) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  out << ".SH \"" << title << "\"\n" << roff(command.get_description()) << "\n";
  out << ".PP\n" << synopsis(command);
  std::vector<std::string> groups;
  for (const CLI::Option* option : visible_options(command)) {
    if (option->get_positional()) continue;
    if (std::find(groups.begin(), groups.end(), option->get_group()) == groups.end())
      groups.push_back(option->get_group());
  }
  for (const std::string& group : groups) {
    out << ".SS \"" << roff(group) << "\"\n";
    for (const CLI::Option* option : visible_options(command)) {
      if (option->get_positional() || option->get_group() != group) continue;
      out << ".TP\n.B " << roff(option_label(option)) << "\n" << roff(option->get_description()) << "\n";
    }
  }
  if (!command.get_footer().empty()) out << ".PP\n.nf\n" << roff(command.get_footer()) << "\n.fi\n";
}

// ".SH TITLE", then a tagged paragraph per entry.
void reference_section(const char* title, std::span<const ReferenceEntry> entries, std::ostringstream& out) {
  out << ".SH \"" << title << "\"\n";
  for (const ReferenceEntry& entry : entries) {
    out << ".TP\n.B " << roff(entry.name) << "\n" << roff(entry.text) << "\n";
  }
}

}  // namespace

std::string man_page(const CLI::App& app, const std::string& version) {
  std::ostringstream out;
  std::string description = app.get_description();
  // "fetchpool downloads ... throttle: every file ..." -> "downloads ... throttle".
  std::string summary = description.substr(0, description.find(':'));
  for (char& c : summary) c = c == '\n' ? ' ' : c;
  if (summary.rfind("fetchpool ", 0) == 0) summary.erase(0, 10);
  out << ".TH FETCHPOOL 1 \"\" \"" << roff(version) << "\" \"User Commands\"\n"
      << ".SH NAME\nfetchpool \\- " << roff(summary) << "\n"
      << ".SH SYNOPSIS\n";
  for (const CLI::App* command : app.get_subcommands({})) out << synopsis(*command) << ".br\n";
  out << ".SH DESCRIPTION\n" << roff(description) << "\n";
  for (const CLI::App* command : app.get_subcommands({})) man_section_for(*command, out);
  // The app's footer (--help's) is the ENVIRONMENT list below, from the same table.
  reference_section("EXIT STATUS", exit_statuses(), out);
  reference_section("ENVIRONMENT", environment_variables(), out);
  reference_section("FILES", reference_files(), out);
  out << ".SH \"SEE ALSO\"\n";
  const std::span<const ReferenceEntry> related = see_also();
  for (std::size_t i = 0; i < related.size(); ++i) {
    std::string_view name = related[i].name;  // "curl(1)" -> ".BR curl (1),"
    std::size_t paren = name.find('(');
    out << ".BR " << roff(std::string(name.substr(0, paren))) << " " << name.substr(paren)
        << (i + 1 < related.size() ? "," : "") << "\n";
  }
  return out.str();
}

}  // namespace fetchpool::cli
