// A bad link for the lossy benchmark: this kernel has no netem, so packets sent to an
// NFQUEUE are held for a fixed delay and a share of them dropped, here in user space.
//
//   nfqueue_link QUEUE DELAY_MS LOSS_PERCENT
//
// Run inside the network namespace whose iptables rules send packets to QUEUE. Verdicts
// are given late (NFQUEUE allows that): each packet is accepted DELAY_MS after it arrived,
// in order, unless it was picked for dropping. Stops on SIGTERM or SIGINT, letting what it
// holds through. Built by bench/run (Debian's libnetfilter-queue-dev), not by the project.

// glibc's <arpa/inet.h> before the kernel's headers, which then leave in_addr to it.
#include <arpa/inet.h>
// clang-format off
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
// clang-format on
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <random>

namespace {

using Clock = std::chrono::steady_clock;

struct Held {
  std::uint32_t id;
  Clock::time_point due;
};

struct Link {
  nfq_q_handle* queue = nullptr;
  Clock::duration delay{};
  double loss = 0;  // 0..1
  std::mt19937_64 random{12345};
  std::deque<Held> held;
  std::uint64_t dropped = 0, passed = 0;
};

volatile std::sig_atomic_t stopping = 0;

int on_packet(nfq_q_handle* queue, nfgenmsg*, nfq_data* data, void* context) {
  auto* link = static_cast<Link*>(context);
  nfqnl_msg_packet_hdr* header = nfq_get_msg_packet_hdr(data);
  if (header == nullptr) return 0;
  std::uint32_t id = ntohl(header->packet_id);
  if (std::uniform_real_distribution<double>(0, 1)(link->random) < link->loss) {
    ++link->dropped;
    return nfq_set_verdict(queue, id, NF_DROP, 0, nullptr);
  }
  link->held.push_back({id, Clock::now() + link->delay});
  return 0;
}

void release_due(Link& link, Clock::time_point now) {
  while (!link.held.empty() && (link.held.front().due <= now || stopping)) {
    nfq_set_verdict(link.queue, link.held.front().id, NF_ACCEPT, 0, nullptr);
    link.held.pop_front();
    ++link.passed;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: nfqueue_link QUEUE DELAY_MS LOSS_PERCENT\n");
    return 2;
  }
  Link link;
  link.delay = std::chrono::milliseconds(std::atoi(argv[2]));
  link.loss = std::atof(argv[3]) / 100.0;
  std::signal(SIGTERM, [](int) { stopping = 1; });
  std::signal(SIGINT, [](int) { stopping = 1; });

  nfq_handle* handle = nfq_open();
  if (handle == nullptr) {
    std::perror("nfq_open");
    return 1;
  }
  link.queue = nfq_create_queue(handle, static_cast<std::uint16_t>(std::atoi(argv[1])), on_packet, &link);
  if (link.queue == nullptr || nfq_set_mode(link.queue, NFQNL_COPY_META, 0) < 0) {
    std::perror("nfq_create_queue");
    return 1;
  }
  nfq_set_queue_maxlen(link.queue, 1 << 16);
  int fd = nfq_fd(handle);
  int buffer_size = 64 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer_size, sizeof buffer_size);
  std::printf("ready\n");
  std::fflush(stdout);

  alignas(8) static char buffer[1 << 16];
  while (!stopping) {
    int timeout_ms = 100;
    if (!link.held.empty()) {
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(link.held.front().due - Clock::now()).count();
      timeout_ms = static_cast<int>(std::max<long long>(0, std::min<long long>(wait, 100)));
    }
    pollfd ready{fd, POLLIN, 0};
    if (poll(&ready, 1, timeout_ms) > 0) {
      for (int i = 0; i < 256; ++i) {
        ssize_t n = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n <= 0) break;
        nfq_handle_packet(handle, buffer, static_cast<int>(n));
      }
    }
    release_due(link, Clock::now());
  }
  release_due(link, Clock::now());
  std::fprintf(stderr, "nfqueue_link: %llu passed, %llu dropped\n",
               static_cast<unsigned long long>(link.passed), static_cast<unsigned long long>(link.dropped));
  nfq_destroy_queue(link.queue);
  nfq_close(handle);
  return 0;
}
