// Ctrl-C (SIGINT) and SIGTERM during training: the first one is noted and the trainer stops at
// the end of the batch it is in, says where the last checkpoint is and exits 128 + the signal
// number; a second one ends the process at once (the handler resets itself).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

namespace cnn {

// The training run stopped on a signal; the message says where it stopped and how to resume.
struct Interrupted : std::runtime_error {
  Interrupted(int signal, const std::string& message)
      : std::runtime_error(message), signal(signal) {}
  int signal;
  int exit_code() const { return 128 + signal; }
};

// Notes SIGINT and SIGTERM while it lives and restores the previous handlers when it ends.
class InterruptGuard {
public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // The signal noted since the guard began, or 0.
  static int pending();

private:
  struct Saved;
  std::unique_ptr<Saved> saved_;
};

// "SIGINT" or "SIGTERM" (else "signal N").
std::string signal_name(int signal);

} // namespace cnn
