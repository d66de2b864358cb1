// Training progress: on a terminal a live bar with samples/s (Keras-like), otherwise one plain
// line per epoch.
#pragma once

#include "cnn/history.hpp"

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>

namespace cnn {

class Progress {
public:
  enum class Mode { Quiet, Lines, Live };
  // Live when `out` is a terminal, else Lines; Quiet when asked.
  static Mode detect(std::FILE* out, bool quiet);

  // `metric` names the second figure: "acc", or "mae" for real-valued targets.
  Progress(Mode mode, std::FILE* out, std::string metric = "acc")
      : mode_(mode), out_(out), metric_(std::move(metric)) {}

  void begin_epoch(int epoch, int epochs, std::size_t samples);
  // After each batch: samples done so far and the running mean loss and metric.
  void update(std::size_t done, double loss, double acc);
  void end_epoch(const EpochRecord& record, int epochs);

private:
  Mode mode_;
  std::FILE* out_;
  std::string metric_;
  std::size_t total_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
  double training_seconds_ = 0;
  void draw(std::size_t done, double loss, double acc, bool final);
};

} // namespace cnn
