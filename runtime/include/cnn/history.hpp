// The per-epoch history: the Keras-like epoch line, history.csv, and its plot through gnuplot.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cnn {

struct EpochRecord {
  int epoch = 0; // 1-based
  double seconds = 0;
  double loss = 0, acc = 0;
  std::optional<double> val_loss, val_acc; // absent without a validation set
  double lr = 0;                           // the learning rate used in this epoch
  bool show_lr = false; // print lr in the epoch line (a schedule changes it); not saved
  // What `acc` holds: "acc" (accuracy, for class labels) or "mae" (mean absolute error, for
  // real-valued targets).
  std::string metric = "acc";
};

// "Epoch 3/50 - 1.1s - loss: 0.2474 - acc: 0.9271 - val_loss: 0.2230 - val_acc: 0.9365", and
// " - lr: 0.0005" when record.show_lr.
std::string epoch_line(const EpochRecord& record, int epochs);

// "epoch,seconds,loss,acc,val_loss,val_acc,lr" (mae for acc with real-valued targets) then one
// row per epoch; values round-trip exactly. Histories from before the lr column read too.
std::string history_csv(const std::vector<EpochRecord>& history);
// Throws DataError naming `origin` for text history_csv did not produce.
std::vector<EpochRecord> parse_history_csv(const std::string& text, const std::string& origin);

// Writes <dir>/history.gp and runs gnuplot on it, producing <dir>/history.png and
// <dir>/history.svg (accuracy, or mean absolute error for `metric` "mae", and loss against epochs;
// training as dots, validation as a line). Returns an empty string on success, else a message
// saying why there is no plot.
std::string plot_history(const std::string& dir, const std::string& model_name,
                         const std::string& metric = "acc");

} // namespace cnn
