#include "cli/streamed_list.h"

#include "cli/stdin_lines.h"

namespace fetchpool::cli {

StreamedList::StreamedList(std::function<void()> on_ready)
    : on_ready_(std::move(on_ready)), thread_([this] { run(); }) {}

StreamedList::~StreamedList() {
  {
    std::lock_guard lock(mutex_);  // so hand_over() cannot miss it
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void StreamedList::run() {
  StdinLines lines;
  InputListParser parser;
  std::string line;
  InputEntry entry;
  while (!stopping_) {
    // While an entry is open, a pause ends it; otherwise wait (briefly, to see stopping_).
    StdinLines::Wait got = lines.next(&line, kEntryPause);
    bool complete = false;
    if (got == StdinLines::Wait::line) {
      const bool blank = line.find_first_not_of(" \t\r") == std::string::npos;
      complete = parser.feed(std::move(line), &entry);  // counted as a line of the list
      if (blank) complete = parser.finish(&entry);      // a blank line ends the entry
    } else {
      complete = parser.finish(&entry);
    }
    if (complete && !hand_over(std::move(entry))) return;
    if (got == StdinLines::Wait::end) break;
  }
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
  }
  changed_.notify_all();
  on_ready_();
}

bool StreamedList::hand_over(InputEntry entry) {
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return ready_.size() < kMaxReady || stopping_; });
    if (stopping_) return false;
    ready_.push_back(std::move(entry));
  }
  changed_.notify_all();
  on_ready_();
  return true;
}

StreamedList::Take StreamedList::take(InputEntry* entry) {
  std::lock_guard lock(mutex_);
  if (ready_.empty()) return ended_ ? Take::end : Take::later;
  *entry = std::move(ready_.front());
  ready_.pop_front();
  changed_.notify_all();  // room for the reader
  return Take::entry;
}

void StreamedList::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [this] { return !ready_.empty() || ended_; });
}

}  // namespace fetchpool::cli
