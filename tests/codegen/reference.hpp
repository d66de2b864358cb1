// An independent reference for the generated code: one sample at a time, straight from the
// checked Model, with Eigen tensors and plain loops (bounds checks instead of padded buffers,
// no fusion, no lanes). It shares nothing with codegen/.
#pragma once

#include <cstdint>
#include <vector>

#include "dsl/model.hpp"

namespace cnnc::test {

struct ReferenceRun {
  std::vector<double> output; // the model's output for the sample
  double loss = 0;
  std::vector<double> grads; // d loss / d params, the generated code's parameter layout
};

struct ReferenceBatch {
  std::vector<std::vector<double>> outputs; // per sample
  std::vector<double> losses;               // per sample
  std::vector<double> grads;                // d (summed loss) / d params
};

// A batch of samples through the model: in training mode, dropout keeps a unit of sample s
// when cnn::counter_uniform(seeds[s], cnn::dropout_counter(layer, unit)) >= rate (the
// documented rule) and batch normalization uses the batch's statistics; in evaluation mode
// both are as in inference.
ReferenceBatch reference_batch(const Model& model, const std::vector<double>& params,
                               const std::vector<std::vector<double>>& inputs,
                               const std::vector<std::vector<double>>& targets, bool training,
                               const std::vector<std::uint64_t>& seeds);

// One sample in evaluation mode.
ReferenceRun reference_run(const Model& model, const std::vector<double>& params,
                           const std::vector<double>& input, const std::vector<double>& target);

} // namespace cnnc::test
