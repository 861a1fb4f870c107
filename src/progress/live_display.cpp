#include "fetchpool/live_display.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "progress/format.h"
#include "progress/live_area.h"
#include "progress/live_view.h"
#include "progress/terminal.h"

namespace fetchpool {

class LiveDisplay::Impl {
 public:
  Impl(const Engine& engine, Options options)
      : engine_(engine),
        options_(options),
        drawing_(!options.only_on_terminal || progress::query_terminal(options.fd).is_tty) {
    if (drawing_) thread_ = std::thread([this] { run(); });
  }

  void print(std::string_view line) {
    std::lock_guard lock(mutex_);
    progress::write_to(options_.fd, area_.print_above(line));
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
    progress::write_to(options_.fd, area_.erase() + frame.front() + "\n");
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (!stopped_) {
      wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopped_; });
      if (stopped_) break;
      progress::write_to(options_.fd, area_.redraw(render(engine_.progress())));
    }
  }

  std::vector<std::string> render(const ProgressSnapshot& snapshot) const {
    progress::ViewContext context = progress::view_for(progress::query_terminal(options_.fd));
    context.files_total = options_.files_total >= 0 ? options_.files_total : snapshot.totals.submitted;
    context.files_done = snapshot.totals.ok + snapshot.totals.failed;
    context.files_failed = snapshot.totals.failed;
    return progress::render_live_area(snapshot, context);
  }

  const Engine& engine_;
  const Options options_;
  const bool drawing_;
  std::mutex mutex_;  ///< Serialises every write to the descriptor.
  std::condition_variable wake_;
  bool stopped_ = false;
  progress::LiveArea area_;
  std::thread thread_;  ///< Last: started once everything it reads is there.
};

std::string rate_text(double bytes_per_second) {
  return progress::format_rate(bytes_per_second);
}

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
