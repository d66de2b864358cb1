// SIGINT and SIGTERM noted in a lock-free atomic, the only state a signal handler may touch.
#include "cnn/interrupt.hpp"

#include <atomic>
#include <csignal>
#include <iterator>
#include <string>

namespace cnn {
namespace {

std::atomic<int> noted_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void note_signal(int signal) {
  noted_signal.store(signal);
}

constexpr int kSignals[] = {SIGINT, SIGTERM};

} // namespace

struct InterruptGuard::Saved {
  struct sigaction previous[std::size(kSignals)];
};

InterruptGuard::InterruptGuard() : saved_(std::make_unique<Saved>()) {
  noted_signal.store(0);
  struct sigaction action {};
  action.sa_handler = note_signal;
  sigemptyset(&action.sa_mask);
  // SA_RESETHAND: a second Ctrl-C gets the default action and ends the process at once.
  // SA_RESTART: reads, writes and waits carry on after the handler.
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  for (std::size_t i = 0; i < std::size(kSignals); ++i)
    sigaction(kSignals[i], &action, &saved_->previous[i]);
}

InterruptGuard::~InterruptGuard() {
  for (std::size_t i = 0; i < std::size(kSignals); ++i)
    sigaction(kSignals[i], &saved_->previous[i], nullptr);
}

int InterruptGuard::pending() {
  return noted_signal.load();
}

std::string signal_name(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal);
}

} // namespace cnn
