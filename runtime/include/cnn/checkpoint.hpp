// Checkpoints: the weights, the optimizer's state blocks and the run's position (epoch, RNG
// state, history, settings) in one safetensors file, so a run can continue bit-identically.
#pragma once

#include "cnn/history.hpp"
#include "cnn/optimizer.hpp"
#include "cnn/options.hpp"
#include "cnn/weights.hpp"

#include <string>
#include <vector>

namespace cnn {

// Early stopping's memory: the best value of its monitor so far and where it was met.
struct EarlyStoppingState {
  double best = 0;
  int best_epoch = 0;             // 0: no epoch measured yet
  int wait = 0;                   // epochs since the best one
  int stopped = 0;                // the epoch after which the run stopped early; 0 while it goes on
  std::vector<float> best_params; // the best epoch's weights, when they are to be restored
};

struct RunPosition {
  int epoch = 0;             // epochs completed
  std::string shuffle_state; // Rng::state() of the epoch shuffler
  std::string augment_state; // Rng::state() of the augmentation ("" before there was one)
  std::vector<EpochRecord> history;
  EarlyStoppingState early_stopping;
};

void save_checkpoint(const std::string& path, const ModelTensors& model, const float* params,
                     Optimizer& optimizer, const TrainSettings& settings, long validation_count,
                     const RunPosition& position);

// Fills params and the optimizer state and returns the position. Throws DataError naming the
// file when it is not a checkpoint of this model or its optimizer state does not fit.
RunPosition load_checkpoint(const Safetensors& file, const ModelTensors& model, float* params,
                            Optimizer& optimizer);

// The settings a checkpoint was made with, as a layer for resolve_settings (so a resumed run
// repeats the original one). Throws DataError for a file that is no checkpoint.
OptionTexts checkpoint_layer(const Safetensors& file);

// The number of epochs the checkpoint's run has completed. Throws DataError for a file that
// is no checkpoint.
int checkpoint_epoch(const Safetensors& file);

} // namespace cnn
