#include "engine/resume_state.h"

#include <fstream>
#include <iterator>
#include <sstream>

namespace fetchpool::engine {
namespace {

constexpr const char* kSignature = "fetchpool-resume-state 1";
// A split download of a large file lists many ranges, but never this many bytes of them.
constexpr std::size_t kMaxStateBytes = 16 << 20;

bool is_single_line(const std::string& value) {
  return value.find_first_of("\r\n") == std::string::npos;
}

}  // namespace

std::string ResumeState::validator() const {
  if (!etag.empty() && etag.rfind("W/", 0) != 0) return etag;
  return last_modified;
}

namespace {

bool parse_resume_state(const std::string& text, ResumeState* state) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kSignature) return false;
  ResumeState loaded;
  while (std::getline(in, line)) {
    std::size_t equals = line.find('=');
    if (equals == std::string::npos) return false;
    std::string key = line.substr(0, equals);
    std::string value = line.substr(equals + 1);
    try {
      if (key == "url")
        loaded.url = value;
      else if (key == "digest")
        loaded.digest = value;
      else if (key == "etag")
        loaded.etag = value;
      else if (key == "last-modified")
        loaded.last_modified = value;
      else if (key == "total")
        loaded.total = std::stoll(value);
      else if (key == "done")
        loaded.done = std::stoll(value);
      else if (key == "ranges" && !parse_ranges(value, loaded.total, &loaded.ranges))
        return false;
    } catch (const std::exception&) {
      return false;
    }
  }
  if (loaded.url.empty()) return false;
  *state = std::move(loaded);
  return true;
}

}  // namespace

bool load_resume_state(const std::string& path, ResumeState* state) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_resume_state(text, state);
}

bool load_resume_state(const platform::Directory& dir, const std::string& name, ResumeState* state) {
  std::string text;
  return platform::read_small_file(dir, name, kMaxStateBytes, &text) && parse_resume_state(text, state);
}

bool save_resume_state(const platform::Directory& dir, const std::string& name, const ResumeState& state,
                       bool temp_is_ours, std::string* error) {
  if (!is_single_line(state.url) || !is_single_line(state.digest) || !is_single_line(state.etag) ||
      !is_single_line(state.last_modified)) {
    *error = "cannot save resume state: a value spans lines";
    return false;
  }
  std::ostringstream text;
  text << kSignature << "\nurl=" << state.url << "\netag=" << state.etag
       << "\nlast-modified=" << state.last_modified << "\ntotal=" << state.total << "\ndone=" << state.done
       << "\n";
  if (!state.digest.empty()) text << "digest=" << state.digest << "\n";
  if (!state.ranges.empty()) text << "ranges=" << format_ranges(state.ranges) << "\n";
  return platform::replace_file_contents(dir, name, text.str(), temp_is_ours, error);
}

}  // namespace fetchpool::engine
