// Training progress: a live bar on terminals, plain epoch lines elsewhere.
#include "cnn/progress.hpp"

#include <fmt/format.h>
#include <string>
#include <unistd.h>

namespace cnn {

Progress::Mode Progress::detect(std::FILE* out, bool quiet) {
  if (quiet) return Mode::Quiet;
  return ::isatty(::fileno(out)) ? Mode::Live : Mode::Lines;
}

void Progress::begin_epoch(int epoch, int epochs, std::size_t samples) {
  total_ = samples;
  start_ = last_draw_ = std::chrono::steady_clock::now();
  training_seconds_ = 0;
  if (mode_ == Mode::Live) fmt::print(out_, "Epoch {}/{}\n", epoch, epochs);
}

void Progress::update(std::size_t done, double loss, double acc) {
  if (mode_ != Mode::Live) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  if (done == total_) training_seconds_ = std::chrono::duration<double>(now - start_).count();
  draw(done, loss, acc, false);
}

void Progress::draw(std::size_t done, double loss, double acc, bool final) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // The final line's rate counts training only, not the validation pass that followed it.
  const double rate_seconds = final && training_seconds_ > 0 ? training_seconds_ : seconds;
  const double rate = rate_seconds > 0 ? static_cast<double>(done) / rate_seconds : 0.0;
  constexpr int kWidth = 30;
  const int filled = total_ ? static_cast<int>(kWidth * done / total_) : kWidth;
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < kWidth) bar += '>' + std::string(static_cast<std::size_t>(kWidth - filled - 1), '.');
  const int digits = static_cast<int>(std::to_string(total_).size());
  std::string timing = final ? fmt::format("{:.1f}s", seconds)
                             : fmt::format("ETA: {:.0f}s", rate > 0 ? (total_ - done) / rate : 0.0);
  fmt::print(out_, "\r\x1b[K{:>{}}/{} [{}] - {} - {:.0f} samples/s - loss: {:.4f} - {}: {:.4f}",
             done, digits, total_, bar, timing, rate, loss, metric_, acc);
  std::fflush(out_);
}

void Progress::end_epoch(const EpochRecord& record, int epochs) {
  if (mode_ == Mode::Quiet) return;
  if (mode_ == Mode::Lines) {
    fmt::print(out_, "{}\n", epoch_line(record, epochs));
  } else {
    draw(total_, record.loss, record.acc, true);
    if (record.val_loss)
      fmt::print(out_, " - val_loss: {:.4f} - val_{}: {:.4f}", *record.val_loss, metric_,
                 *record.val_acc);
    if (record.show_lr) fmt::print(out_, " - lr: {:.4g}", record.lr);
    fmt::print(out_, "\n");
  }
  std::fflush(out_);
}

} // namespace cnn
