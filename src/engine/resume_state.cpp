#include "engine/resume_state.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace fetchpool::engine {
namespace {

constexpr const char* kSignature = "fetchpool-resume-state 1";

bool is_single_line(const std::string& value) {
  return value.find_first_of("\r\n") == std::string::npos;
}

}  // namespace

std::string ResumeState::validator() const {
  if (!etag.empty() && etag.rfind("W/", 0) != 0) return etag;
  return last_modified;
}

bool load_resume_state(const std::string& path, ResumeState* state) {
  std::ifstream in(path, std::ios::binary);
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

bool save_resume_state(const std::string& path, const ResumeState& state, std::string* error) {
  if (!is_single_line(state.url) || !is_single_line(state.etag) || !is_single_line(state.last_modified)) {
    *error = "cannot save resume state: a value spans lines";
    return false;
  }
  std::ostringstream text;
  text << kSignature << "\nurl=" << state.url << "\netag=" << state.etag
       << "\nlast-modified=" << state.last_modified << "\ntotal=" << state.total << "\ndone=" << state.done
       << "\n";
  if (!state.ranges.empty()) text << "ranges=" << format_ranges(state.ranges) << "\n";
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text.str();
    if (!out.flush()) {
      *error = "cannot write '" + temporary + "'";
      std::remove(temporary.c_str());
      return false;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    *error = "cannot rename '" + temporary + "' to '" + path + "'";
    std::remove(temporary.c_str());
    return false;
  }
  return true;
}

}  // namespace fetchpool::engine
