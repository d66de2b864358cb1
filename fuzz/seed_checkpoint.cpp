// Writes the safetensors fuzz target's seeds for tiny_model.hpp: a weights file and a checkpoint
// with history, augmentation and early-stopping state (best weights included).
// Usage: fuzz_seed_checkpoint FOLDER   (fuzz/corpus/safetensors/ holds its output)
#include "cnn/checkpoint.hpp"
#include "cnn/optimizer.hpp"
#include "cnn/options.hpp"
#include "cnn/random.hpp"
#include "cnn/weights.hpp"
#include "tiny_model.hpp"

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FOLDER\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const cnn::ModelTensors model = cnnc::fuzz::tiny_model();
  std::vector<float> params(model.param_count), grads(model.param_count);
  for (std::size_t i = 0; i < params.size(); ++i) {
    params[i] = 0.25f * static_cast<float>(i) - 1.0f;
    grads[i] = 0.5f - 0.0625f * static_cast<float>(i);
  }
  cnn::save_weights((dir / "weights.safetensors").string(), model, params.data());

  cnn::Optimizer optimizer(cnnc::fuzz::kTinyOptimizer, model.param_count, model.tensors);
  optimizer.step(params.data(), grads.data());
  cnn::TrainSettings settings;
  settings.optimizer = cnnc::fuzz::kTinyOptimizer;
  settings.epochs = 3;
  cnn::RunPosition position;
  position.epoch = 2;
  position.shuffle_state = cnn::Rng(1).state();
  position.augment_state = cnn::Rng(1, 2).state();
  for (int epoch = 1; epoch <= 2; ++epoch) {
    cnn::EpochRecord record;
    record.epoch = epoch;
    record.seconds = 0.5;
    record.loss = 1.5 / epoch;
    record.acc = 0.25 * (epoch + 1);
    record.val_loss = 1.75 / epoch;
    record.val_acc = 0.25 * epoch;
    record.lr = 0.001;
    position.history.push_back(record);
  }
  position.early_stopping = {
      .best = 0.75, .best_epoch = 2, .wait = 0, .stopped = 0, .best_params = params};
  cnn::save_checkpoint((dir / "checkpoint.safetensors").string(), model, params.data(), optimizer,
                       settings, 10, position);
  return 0;
}
