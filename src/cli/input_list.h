#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace fetchpool::cli {

/// One download as the input list (or the command line) describes it.
struct InputEntry {
  std::string url;
  std::vector<std::string> mirrors;  ///< aria2's: the same file's other URLs, tab-separated after it.
  std::string out;                   ///< "out=": file name inside the directory; may be empty.
  std::string dir;                   ///< "dir=": output directory; may be empty.
  std::vector<std::string> headers;  ///< "header=": "Name: value", in order.
  std::string checksum;              ///< "checksum=": "sha256:HEX"; may be empty.
  /// "split=" and "max-connection-per-server=" (aria2's): connections for this file, the
  /// smaller of the two when both are given.
  std::optional<int> connections;
  std::string referer;     ///< "referer=": sent as Referer (instead of -e).
  std::string user_agent;  ///< "user-agent=": sent as User-Agent (instead of -A).
  /// "limit-rate=" (aria2's "max-download-limit=" too): this file's cap in bytes/s.
  std::optional<std::int64_t> max_bytes_per_s;
  std::int64_t line = 0;  ///< Line of the URL in the list, 0 from the command line.
  std::string error;      ///< Non-empty: this entry is malformed and must not run.
};

/// aria2's input-file form:
///
///     # a comment
///     https://example.com/a.iso<TAB>https://mirror.example.net/a.iso
///       out=renamed.iso
///       dir=isos
///       header=Authorization: Bearer x
///       checksum=sha256:0123...        (aria2's sha-256=0123... too)
///       split=4                        connections for this file (aria2's names;
///       max-connection-per-server=2    the smaller of the two wins)
///       referer=https://example.com/
///       user-agent=Mozilla/5.0
///       limit-rate=500K                this file's rate cap (max-download-limit= too)
///
/// A URL starts at column 0; option lines under it are indented (space or tab).
///
/// The parser is fed one line at a time and says when an entry is complete: at the next
/// URL line, or when told the entry ends (finish(): the end of the list, or, for a list
/// read as it is written, a blank line or a pause).
class InputListParser {
 public:
  /// Takes the next line (without its line ending; a trailing CR is dropped). True when
  /// it ends the entry before it, which is then in `*done`.
  bool feed(std::string line, InputEntry* done);
  /// Ends the entry being read, if any: true with it in `*done`.
  bool finish(InputEntry* done);
  /// Whether an entry (or a block of options without a URL) is being read.
  bool reading() const { return state_ != State::between; }

 private:
  enum class State { between, in_entry, in_orphan_options };
  void start_entry(const std::string& content);
  void apply_option(const std::string& line, InputEntry* entry);

  State state_ = State::between;
  InputEntry current_;
  std::int64_t line_number_ = 0;
};

/// Reads a whole list from a stream, one entry at a time, so a list of a million URLs is
/// never held whole.
class InputListReader {
 public:
  explicit InputListReader(std::istream& in) : in_(in) {}

  /// Fills `entry` with the next entry and returns true; false at the end of the list.
  /// A malformed entry is still returned, with `entry->error` set; option lines before any
  /// URL produce such an entry too.
  bool next(InputEntry* entry);

 private:
  std::istream& in_;
  InputListParser parser_;
};

/// Writes `entry` back in the same form (the URL exactly as given, then its options), so
/// a file of such entries reads back to the same entries.
void write_input_entry(std::ostream& out, const InputEntry& entry);

}  // namespace fetchpool::cli
