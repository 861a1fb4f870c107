#include "fetchpool/live_display.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "progress/live_view.h"
#include "progress/terminal.h"

namespace fetchpool {

class LiveDisplay::Impl {
 public:
  Impl(const Engine& engine, Options options)
      : engine_(engine), options_(options), drawing_(!options.only_on_terminal || query(options.fd).is_tty) {
    if (drawing_) thread_ = std::thread([this] { run(); });
  }

  void print(std::string_view line) {
    std::lock_guard lock(mutex_);
    std::string text = erase_sequence();
    text.append(line);
    text += '\n';
    for (const std::string& live : last_frame_) text += live + "\n";  // the live area again, below
    progress::write_to(options_.fd, text);
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return;
      stopped_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (!drawing_) return;
    std::lock_guard lock(mutex_);
    // The last picture's total line stays: what the run came to.
    std::vector<std::string> frame = render(engine_.progress());
    std::string text = erase_sequence() + frame.front() + "\n";
    live_lines_ = 0;
    last_frame_.clear();
    progress::write_to(options_.fd, text);
  }

 private:
  static progress::TerminalInfo query(int fd) { return progress::query_terminal(fd); }

  void run() {
    std::unique_lock lock(mutex_);
    while (!stopped_) {
      wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopped_; });
      if (stopped_) break;
      last_frame_ = render(engine_.progress());
      // One write per frame: erase and redraw arrive together, so the screen does not flicker.
      std::string frame = erase_sequence();
      for (const std::string& line : last_frame_) frame += line + "\n";
      live_lines_ = static_cast<int>(last_frame_.size());
      progress::write_to(options_.fd, frame);
    }
  }

  std::vector<std::string> render(const ProgressSnapshot& snapshot) const {
    progress::TerminalInfo terminal = query(options_.fd);
    progress::ViewContext context;
    context.width = std::max(20, terminal.width - 1);  // never the last column: no auto-wrap
    context.height = terminal.height;
    context.utf8 = terminal.utf8;
    context.files_total = options_.files_total >= 0 ? options_.files_total : snapshot.totals.submitted;
    context.files_done = snapshot.totals.ok + snapshot.totals.failed;
    context.files_failed = snapshot.totals.failed;
    return progress::render_live_area(snapshot, context);
  }

  std::string erase_sequence() const {
    // Up to the live area's first line, then clear to the end of the screen.
    return live_lines_ > 0 ? "\x1b[" + std::to_string(live_lines_) + "A\r\x1b[J" : std::string();
  }

  const Engine& engine_;
  const Options options_;
  const bool drawing_;
  std::mutex mutex_;  ///< Serialises every write to the descriptor.
  std::condition_variable wake_;
  bool stopped_ = false;
  int live_lines_ = 0;
  std::vector<std::string> last_frame_;
  std::thread thread_;  ///< Last: started once everything it reads is there.
};

LiveDisplay::LiveDisplay(const Engine& engine) : LiveDisplay(engine, Options{}) {}
LiveDisplay::LiveDisplay(const Engine& engine, Options options)
    : impl_(std::make_unique<Impl>(engine, options)) {}
LiveDisplay::~LiveDisplay() {
  stop();
}

void LiveDisplay::print(std::string_view line) {
  impl_->print(line);
}
void LiveDisplay::stop() {
  impl_->stop();
}

}  // namespace fetchpool
