// Parameter initialisers as Keras defines them (VarianceScaling and friends).
#include "cnn/init.hpp"

#include <cmath>
#include <stdexcept>

namespace cnn {

double truncated_normal(Rng& rng, double stddev) {
  for (;;) {
    const double x = rng.normal();
    if (std::fabs(x) <= 2.0) return x * stddev;
  }
}

double init_scale(const TensorInfo& tensor) {
  const double fan_in = tensor.fan_in, fan_out = tensor.fan_out;
  switch (tensor.init.kind) {
  case InitKind::GlorotUniform:
    return std::sqrt(6.0 / (fan_in + fan_out));
  case InitKind::GlorotNormal:
    return std::sqrt(2.0 / (fan_in + fan_out));
  case InitKind::HeNormal:
    return std::sqrt(2.0 / fan_in);
  case InitKind::HeUniform:
    return std::sqrt(6.0 / fan_in);
  case InitKind::LecunNormal:
    return std::sqrt(1.0 / fan_in);
  case InitKind::LecunUniform:
    return std::sqrt(3.0 / fan_in);
  case InitKind::Normal:
  case InitKind::Uniform:
  case InitKind::Constant:
    return tensor.init.param;
  case InitKind::Zeros:
    return 0.0;
  case InitKind::Ones:
    return 1.0;
  }
  throw std::logic_error("unknown initialiser kind");
}

void initialise_tensor(const TensorInfo& tensor, float* values, Rng& rng) {
  const std::size_t n = tensor.size;
  if (tensor.values) { // fixed by the model file: no draw from rng
    for (std::size_t i = 0; i < n; ++i) values[i] = tensor.values[i];
    return;
  }
  const double scale = init_scale(tensor);
  switch (tensor.init.kind) {
  case InitKind::Zeros:
  case InitKind::Ones:
  case InitKind::Constant:
    for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<float>(scale);
    return;
  case InitKind::GlorotUniform:
  case InitKind::HeUniform:
  case InitKind::LecunUniform:
  case InitKind::Uniform:
    for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<float>(rng.uniform(-scale, scale));
    return;
  case InitKind::GlorotNormal:
  case InitKind::HeNormal:
  case InitKind::LecunNormal:
    // Keras' VarianceScaling: a truncated normal whose stddev is corrected to keep the variance.
    for (std::size_t i = 0; i < n; ++i)
      values[i] = static_cast<float>(truncated_normal(rng, scale / kTruncatedStddevCorrection));
    return;
  case InitKind::Normal:
    for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<float>(rng.normal() * scale);
    return;
  }
  throw std::logic_error("unknown initialiser kind");
}

} // namespace cnn
