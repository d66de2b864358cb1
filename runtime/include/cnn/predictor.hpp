// Inference for a user's program: load a weights or checkpoint file of a generated model and
// get its outputs (class probabilities for a classifier) for one image or a batch. The
// forward-only workspaces live on the heap; the model's input preprocessing is applied. One
// Predictor serves one thread at a time (it reuses its workspace); make one per thread.
#pragma once

#include "cnn/aligned.hpp"
#include "cnn/batch.hpp"
#include "cnn/dataset.hpp"
#include "cnn/errors.hpp"
#include "cnn/lanes.hpp"
#include "cnn/safetensors.hpp"
#include "cnn/weights.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace cnn {

template <class Model>
class Predictor {
public:
  static constexpr int kLanes = kLanesPerGroup; // samples per forward pass of a batch

  // Loads a weights file (weights.safetensors) or a checkpoint saved for this model. Throws
  // DataError naming the file when it is missing, damaged or made for another model.
  explicit Predictor(const std::string& weights_path)
      : params_(Model::kParamCount), transform_(InputTransform::of<Model>()) {
    load_weights(read_safetensors(weights_path), describe<Model>(), params_.data());
  }

  // The model's kOutputSize outputs for one image (probabilities for a softmax classifier).
  // The image must have the model's input shape; throws DataError otherwise.
  std::vector<float> probabilities(const Image& image) {
    if (image.height != Model::kInputH || image.width != Model::kInputW ||
        image.channels != Model::kInputC)
      throw DataError(fmt::format("image is {}x{}x{}, model {} expects {}x{}x{}", image.height,
                                  image.width, image.channels, Model::kName, Model::kInputH,
                                  Model::kInputW, Model::kInputC));
    return probabilities(std::span<const std::uint8_t>(image.pixels));
  }
  // One image as kInputSize bytes (H, W, C; read as byte / 255 before the preprocessing).
  std::vector<float> probabilities(std::span<const std::uint8_t> pixels) {
    check_size(pixels.size());
    return run_one(pixels.data());
  }
  // One sample as kInputSize floats (H, W, C; taken as they are before the preprocessing).
  std::vector<float> probabilities(std::span<const float> values) {
    check_size(values.size());
    return run_one(values.data());
  }

  // The outputs of every sample, kOutputSize values each, sample after sample.
  std::vector<float> predict(const Samples& samples) const {
    std::vector<float> out(samples.count * Model::kOutputSize);
    AlignedFloats input(static_cast<std::size_t>(Model::kInputSize) * kLanes);
    auto ws = std::make_unique<GroupWorkspace>();
    std::uint32_t items[kLanes];
    for (std::size_t first = 0; first < samples.count; first += kLanes) {
      const int active = static_cast<int>(std::min<std::size_t>(kLanes, samples.count - first));
      for (int l = 0; l < active; ++l) items[l] = static_cast<std::uint32_t>(first + l);
      fill_input_group<kLanes>(samples, transform_, items, active, input.data());
      Model::template forward<float, kLanes>(params_.data(), input.data(), *ws);
      for (int l = 0; l < active; ++l)
        for (int k = 0; k < Model::kOutputSize; ++k)
          out[(first + l) * Model::kOutputSize + k] = ws->output[k * kLanes + l];
    }
    return out;
  }

  // The most probable class of one image (output > 0.5 for a single sigmoid output).
  int classify(const Image& image) {
    const std::vector<float> p = probabilities(image);
    return predicted_class<1>(p.data(), Model::kOutputSize, 0);
  }

  // The class's name as the model file declares it (`classes ...`), else its number.
  static const char* class_name(int k) {
    return k >= 0 && k < Model::kClassCount ? Model::kClassNames[k] : "?";
  }

  const float* params() const { return params_.data(); }

private:
  using OneWorkspace = typename Model::template ForwardWorkspace<float, 1>;
  using GroupWorkspace = typename Model::template ForwardWorkspace<float, kLanes>;

  void check_size(std::size_t size) const {
    if (size != static_cast<std::size_t>(Model::kInputSize))
      throw DataError(fmt::format("an input of {} values; model {} expects {} ({}x{}x{})", size,
                                  Model::kName, Model::kInputSize, Model::kInputH, Model::kInputW,
                                  Model::kInputC));
  }

  template <class Value>
  std::vector<float> run_one(const Value* sample) {
    AlignedFloats input(static_cast<std::size_t>(Model::kInputSize));
    fill_lane<1>(sample, Model::kInputSize, transform_, 0, input.data());
    if (!one_) one_ = std::make_unique<OneWorkspace>();
    Model::template forward<float, 1>(params_.data(), input.data(), *one_);
    return std::vector<float>(one_->output, one_->output + Model::kOutputSize);
  }

  AlignedFloats params_;
  InputTransform transform_;
  std::unique_ptr<OneWorkspace> one_; // made on first use
};

} // namespace cnn
