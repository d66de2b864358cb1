// Moving samples into the lane layout of the generated code: images as T[kInputSize][L] in
// [0, 1] (pixel / 255), targets as T[kOutputSize][L], and reading predictions back.
#pragma once

#include "cnn/idx.hpp"

#include <cstdint>

namespace cnn {

// Lanes [0, active) get images[items[l]]; lanes beyond are zero.
template <int L>
void fill_input_group(const IdxImages& images, const std::uint32_t* items, int active,
                      int input_size, float* input) {
  const std::size_t image_size = images.image_size();
  for (int l = 0; l < L; ++l) {
    if (l < active) {
      const std::uint8_t* pixels = images.pixels.data() + items[l] * image_size;
      for (int i = 0; i < input_size; ++i) input[i * L + l] = pixels[i] * (1.0f / 255.0f);
    } else {
      for (int i = 0; i < input_size; ++i) input[i * L + l] = 0.0f;
    }
  }
}

// One-hot targets; a single output (a binary classifier) gets the label itself, 0 or 1.
template <int L>
void fill_target_group(const IdxLabels& labels, const std::uint32_t* items, int active,
                       int output_size, float* target) {
  for (int l = 0; l < L; ++l) {
    const int label = l < active ? labels.labels[items[l]] : -1;
    for (int k = 0; k < output_size; ++k) {
      float value = 0.0f;
      if (output_size == 1)
        value = label == 1 ? 1.0f : 0.0f;
      else
        value = k == label ? 1.0f : 0.0f;
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

} // namespace cnn
