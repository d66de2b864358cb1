// Parameter initialisers as Keras defines them, driven by a tensor's description in kTensors.
#pragma once

#include "cnn/model_info.hpp"
#include "cnn/random.hpp"

namespace cnn {

// Keras' correction for a normal truncated at 2 stddev: the stddev of the truncated unit
// normal, so that the variance-scaling initialisers keep their intended variance.
inline constexpr double kTruncatedStddevCorrection = 0.87962566103423978;

// A N(0, stddev) sample truncated (by resampling) to within 2 stddev.
double truncated_normal(Rng& rng, double stddev);

// Fills `values` (tensor.size floats) as tensor.init says, using its fan_in and fan_out; a
// tensor with fixed values (tensor.values) gets those, drawing nothing from `rng`.
void initialise_tensor(const TensorInfo& tensor, float* values, Rng& rng);

// The bound of the uniform variants and the stddev of the normal ones, before truncation.
double init_scale(const TensorInfo& tensor);

} // namespace cnn
