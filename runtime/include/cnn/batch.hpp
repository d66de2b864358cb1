// Moving samples into the lane layout of the generated code: inputs as T[kInputSize][L] after
// the model's declared preprocessing, targets as T[kOutputSize][L], and reading predictions back.
#pragma once

#include "cnn/dataset.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace cnn {

// The model's input preprocessing, (v * scale - mean[c]) / std[c] with v = byte / 255 for byte
// data and the stored value for float data, folded into a multiplier and an offset per channel,
// and a table per channel for bytes.
class InputTransform {
public:
  template <class Model>
  static InputTransform of() {
    InputTransform t;
    t.channels_ = Model::kInputC;
    for (int c = 0; c < Model::kInputC; ++c) {
      const double multiplier = Model::kInputScale / Model::kInputStd[c];
      const double offset = -Model::kInputMean[c] / Model::kInputStd[c];
      t.multiplier_.push_back(static_cast<float>(multiplier));
      t.offset_.push_back(static_cast<float>(offset));
      // In float, as byte * (1 / 255.0f): without preprocessing (multiplier 1, offset 0) the
      // values are exactly those the trainer has always fed, so results stay bit-identical.
      std::array<float, 256> table;
      for (int b = 0; b < 256; ++b)
        table[b] =
            static_cast<float>(b) * (1.0f / 255.0f) * t.multiplier_.back() + t.offset_.back();
      t.byte_table_.push_back(table);
    }
    return t;
  }

  int channels() const { return channels_; }
  float operator()(std::uint8_t byte, int channel) const { return byte_table_[channel][byte]; }
  float operator()(float value, int channel) const {
    return value * multiplier_[channel] + offset_[channel];
  }
  // The 256 values bytes of channel c become.
  const float* byte_table(int channel) const { return byte_table_[channel].data(); }

private:
  int channels_ = 1;
  std::vector<float> multiplier_, offset_;
  std::vector<std::array<float, 256>> byte_table_;
};

// Writes one sample (sample_size values, channel innermost) into lane l of a T[size][L] group.
template <int L, class Value>
void fill_lane(const Value* sample, std::size_t size, const InputTransform& transform, int l,
               float* input) {
  const auto channels = static_cast<std::size_t>(transform.channels());
  for (std::size_t pixel = 0; pixel < size; pixel += channels)
    for (std::size_t c = 0; c < channels; ++c)
      input[(pixel + c) * L + l] = transform(sample[pixel + c], static_cast<int>(c));
}

// One training sample's random change: output pixel (y, x) shows the (mirrored) source pixel
// (y - dy, x - dx), and a stored zero where that falls outside the image.
struct Augmentation {
  int dy = 0, dx = 0;
  bool flip_horizontal = false, flip_vertical = false;
};

// fill_lane for an image of height x width pixels, changed by `change`.
template <int L, class Value>
void fill_lane_augmented(const Value* sample, int height, int width,
                         const InputTransform& transform, const Augmentation& change, int l,
                         float* input) {
  const int channels = transform.channels();
  for (int y = 0; y < height; ++y) {
    int source_y = y - change.dy;
    if (change.flip_vertical) source_y = height - 1 - source_y;
    for (int x = 0; x < width; ++x) {
      int source_x = x - change.dx;
      if (change.flip_horizontal) source_x = width - 1 - source_x;
      const bool inside = source_y >= 0 && source_y < height && source_x >= 0 && source_x < width;
      const std::size_t out = (static_cast<std::size_t>(y) * width + x) * channels;
      const std::size_t in = (static_cast<std::size_t>(source_y) * width + source_x) * channels;
      for (int c = 0; c < channels; ++c)
        input[(out + c) * L + l] = transform(inside ? sample[in + c] : Value(0), c);
    }
  }
}

// Lanes [0, active) get samples[items[l]], each changed by changes[l] when `changes` is given;
// lanes beyond are zero.
template <int L>
void fill_input_group(const Samples& samples, const InputTransform& transform,
                      const std::uint32_t* items, int active, float* input,
                      const Augmentation* changes = nullptr) {
  const std::size_t size = samples.sample_size();
  if (!changes && !samples.floats) {
    // The common case, bytes as they are, value by value across the lanes: each value's L
    // lanes are one contiguous store, read from L samples that are each read in order.
    const std::uint8_t* source[L];
    for (int l = 0; l < active; ++l) source[l] = samples.bytes.data() + items[l] * size;
    const auto channels = static_cast<std::size_t>(transform.channels());
    for (std::size_t pixel = 0; pixel < size; pixel += channels)
      for (std::size_t c = 0; c < channels; ++c) {
        const float* table = transform.byte_table(static_cast<int>(c));
        float* lanes = input + (pixel + c) * L;
        for (int l = 0; l < active; ++l) lanes[l] = table[source[l][pixel + c]];
        for (int l = active; l < L; ++l) lanes[l] = 0.0f;
      }
    return;
  }
  for (int l = 0; l < L; ++l) {
    if (l >= active) {
      for (std::size_t i = 0; i < size; ++i) input[i * L + l] = 0.0f;
    } else if (changes && samples.floats) {
      fill_lane_augmented<L>(samples.values.data() + items[l] * size, samples.height, samples.width,
                             transform, changes[l], l, input);
    } else if (changes) {
      fill_lane_augmented<L>(samples.bytes.data() + items[l] * size, samples.height, samples.width,
                             transform, changes[l], l, input);
    } else if (samples.floats) {
      fill_lane<L>(samples.values.data() + items[l] * size, size, transform, l, input);
    } else {
      fill_lane<L>(samples.bytes.data() + items[l] * size, size, transform, l, input);
    }
  }
}

// Real targets as they are; labels one-hot, or the label itself (0 or 1) for a single output.
template <int L>
void fill_target_group(const Targets& targets, const std::uint32_t* items, int active,
                       int output_size, float* target) {
  for (int l = 0; l < L; ++l) {
    for (int k = 0; k < output_size; ++k) {
      float value = 0.0f;
      if (l < active && targets.real()) {
        value = targets.values[static_cast<std::size_t>(items[l]) * targets.width + k];
      } else if (l < active) {
        const int label = targets.labels[items[l]];
        value = output_size == 1 ? (label == 1 ? 1.0f : 0.0f) : (k == label ? 1.0f : 0.0f);
      }
      target[k * L + l] = value;
    }
  }
}

// The predicted class of lane l: the arg max, or output > 0.5 for a single output.
template <int L>
int predicted_class(const float* output, int output_size, int l) {
  if (output_size == 1) return output[l] > 0.5f ? 1 : 0;
  int best = 0;
  for (int k = 1; k < output_size; ++k)
    if (output[k * L + l] > output[best * L + l]) best = k;
  return best;
}

// The mean absolute error of lane l against its real targets.
template <int L>
double absolute_error(const float* output, const float* target, int output_size, int l) {
  double sum = 0;
  for (int k = 0; k < output_size; ++k) sum += std::fabs(output[k * L + l] - target[k * L + l]);
  return sum / output_size;
}

} // namespace cnn
