// Checks of one generated model (compiled once per model; CNNC_TEST_MODEL names its Model type
// and CNNC_TEST_HEADER its header): gradients against central differences, inactive lanes, the
// forward-only workspace, and the constants read from the model file.
#include CNNC_TEST_HEADER

#include <algorithm>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>
#include <type_traits>

#include <catch2/catch.hpp>

#include "tests/codegen/harness.hpp"

#include <vector>

using Model = CNNC_TEST_MODEL;
using cnnc::test::check_gradient;
using cnnc::test::Harness;
using cnnc::test::sanitized_count;

namespace {

// The parameters a gradient check below compares with central differences: each costs four
// forward passes of two lanes, for one and then two active lanes.
const std::size_t kGradientSamples = sanitized_count<Model>(120, 4 * 2 * 2);

// A reference run on one sample (forward and backward through Eigen) costs about as much as
// this many forward passes of the generated code under the sanitizers.
constexpr double kReferencePasses = 12;

} // namespace

TEST_CASE("backward matches central differences with one and two active lanes") {
  for (int active : {1, 2}) {
    const unsigned seed = unsigned(active);
    Harness<Model, 2> harness(seed);
    const auto report = check_gradient(harness, active, kGradientSamples);
    INFO("active " << active << ", seed " << seed << ": " << report.checked << " checked, "
                   << report.kinks << " on kinks, worst relative error " << report.worst << "; "
                   << report.first_mismatch);
    CHECK(report.mismatches == 0);
    CHECK(report.few_kinks());
  }
}

TEST_CASE("lanes beyond active contribute nothing to the loss or the gradient") {
  Harness<Model, 2> harness(5);
  const auto with_lane = harness.gradient(1);
  double lanes[2];
  Model::loss(*harness.ws, harness.target.data(), 1, lanes);
  CHECK(lanes[1] == 0.0);
  // A different second sample must not change anything when only the first lane is active.
  for (std::size_t i = 1; i < harness.input.size(); i += 2)
    harness.input[i] = 1.0 - harness.input[i];
  for (std::size_t i = 1; i < harness.target.size(); i += 2) harness.target[i] = 0.5;
  const auto without_lane = harness.gradient(1);
  CHECK(with_lane == without_lane);
}

#ifdef CNNC_TEST_ONE_LANE
TEST_CASE("a one-lane group gives each sample the gradient it has in a two-lane group") {
  Harness<Model, 2> pair(9);
  Harness<Model, 1> first(9);
  // Lane 0 of the pair is the single lane of `first`.
  for (std::size_t i = 0; i < first.input.size(); ++i) first.input[i] = pair.input[2 * i];
  for (std::size_t i = 0; i < first.target.size(); ++i) first.target[i] = pair.target[2 * i];
  first.params = pair.params;
  const auto single = first.gradient(1);
  const auto lane0 = pair.gradient(1);
  for (std::size_t i = 0; i < single.size(); ++i)
    REQUIRE(single[i] == Approx(lane0[i]).margin(1e-12));
}
#endif

// The reference reads the model file itself: CNNC_TEST_SOURCE names it.
#include "dsl/driver.hpp"
#include "tests/codegen/reference.hpp"

// Forward, loss and the gradient of a group of L lanes (the first `active` of them holding
// samples) against the Eigen reference run on each sample, the gradients summed.
template <int L>
void compare_with_reference(const cnnc::Model& model, unsigned seed, int active) {
  INFO("L = " << L << ", " << active << " active, seed " << seed);
  Harness<Model, L> harness(seed);
  const auto grads = harness.gradient(active);
  const auto output = harness.output();
  double lanes[L];
  Model::loss(*harness.ws, harness.target.data(), active, lanes);
  std::vector<double> expected_grads(Model::kParamCount, 0.0);
  for (int l = 0; l < active; ++l) {
    std::vector<double> input(Model::kInputSize), target(Model::kOutputSize);
    for (int i = 0; i < Model::kInputSize; ++i) input[i] = harness.input[L * i + l];
    for (int k = 0; k < Model::kOutputSize; ++k) target[k] = harness.target[L * k + l];
    const auto run = cnnc::test::reference_run(model, harness.params, input, target);
    for (int k = 0; k < Model::kOutputSize; ++k)
      REQUIRE(output[L * k + l] == Approx(run.output[k]).epsilon(1e-10).margin(1e-12));
    REQUIRE(lanes[l] == Approx(run.loss).epsilon(1e-10).margin(1e-12));
    for (std::size_t i = 0; i < expected_grads.size(); ++i) expected_grads[i] += run.grads[i];
  }
  for (std::size_t i = 0; i < grads.size(); ++i) {
    INFO("parameter " << i);
    REQUIRE(grads[i] == Approx(expected_grads[i]).epsilon(1e-9).margin(1e-11));
  }
}

TEST_CASE("forward, loss and gradients match the Eigen reference on random weights and inputs") {
  const cnnc::CheckResult checked = cnnc::check_file(CNNC_TEST_SOURCE);
  REQUIRE(checked.model);
  const std::size_t seeds = sanitized_count<Model>(2, 2 * (3 * 2 + kReferencePasses));
  for (unsigned seed = 3; seed < 3 + seeds; ++seed)
    compare_with_reference<2>(*checked.model, seed, 2);
}

TEST_CASE("every lane count a build can choose (4, 8, 16) gives the Eigen reference's results") {
  const cnnc::CheckResult checked = cnnc::check_file(CNNC_TEST_SOURCE);
  REQUIRE(checked.model);
  // Under the sanitizers, fewer active lanes (reference runs) for a large model; the generated
  // code still runs every lane.
  auto active = [](int full) {
    return int(sanitized_count<Model>(std::size_t(full), kReferencePasses));
  };
  compare_with_reference<4>(*checked.model, 5, active(3));
  compare_with_reference<8>(*checked.model, 6, active(8));
  compare_with_reference<16>(*checked.model, 7, active(11));
}

// Forward through each workspace from the same parameters and input; true when the outputs
// are the same bits.
template <typename T, int L>
bool same_output_through_both_workspaces(unsigned seed) {
  Harness<Model, L> harness(seed);
  const std::vector<T> params(harness.params.begin(), harness.params.end());
  const std::vector<T> input(harness.input.begin(), harness.input.end());
  auto training = std::make_unique<typename Model::template Workspace<T, L>>();
  auto inference = std::make_unique<typename Model::template ForwardWorkspace<T, L>>();
  // As the runtime calls it (explicit T and L), and with both deduced.
  Model::template forward<T, L>(params.data(), input.data(), *training);
  Model::forward(params.data(), input.data(), *inference);
  static_assert(sizeof(training->output) == sizeof(inference->output));
  return std::memcmp(training->output, inference->output, sizeof(inference->output)) == 0;
}

TEST_CASE("forward through a ForwardWorkspace gives the same bits as through a Workspace") {
  static_assert(Model::template Workspace<float, 8>::kForBackward);
  static_assert(!Model::template ForwardWorkspace<float, 8>::kForBackward);
  static_assert(sizeof(typename Model::template ForwardWorkspace<float, 8>) <
                sizeof(typename Model::template Workspace<float, 8>));
  static_assert(sizeof(typename Model::template ForwardWorkspace<double, 2>) <
                sizeof(typename Model::template Workspace<double, 2>));
  for (unsigned seed : {1u, 2u}) {
    INFO("seed " << seed);
    CHECK(same_output_through_both_workspaces<double, 2>(seed));
    CHECK(same_output_through_both_workspaces<float, 8>(seed));
  }
}

// --- Batch-1 inference: forward_one ---

// Runs forward<T, 1> through a ForwardWorkspace<T, 1> and forward_one through a
// LatencyWorkspace<T> from the same parameters and input, and compares every value of the
// buffers they share (every layer's output, the padded inputs, ws.output): the one-sample
// kernels compute each value as a sum in the order the lane kernels do, or in another (the
// relative `tolerance`). Both workspaces start as zero bytes, the padding between their buffers
// included, which value-initialization does not promise.
template <typename T>
void check_forward_one(unsigned seed, double tolerance) {
  using Lanes = typename Model::template ForwardWorkspace<T, 1>;
  using One = typename Model::template LatencyWorkspace<T>;
  static_assert(std::is_base_of_v<Lanes, One>);
  Harness<Model, 1> harness(seed);
  const std::vector<T> params(harness.params.begin(), harness.params.end());
  const std::vector<T> input(harness.input.begin(), harness.input.end());
  auto lanes = std::make_unique<Lanes>();
  auto one = std::make_unique<One>();
  std::memset(static_cast<void*>(lanes.get()), 0, sizeof(Lanes));
  std::memset(static_cast<void*>(one.get()), 0, sizeof(One));
  Model::template forward<T, 1>(params.data(), input.data(), *lanes);
  Model::template forward_one<T>(params.data(), input.data(), *one);
  const Lanes& shared = *one;
  constexpr std::size_t kValues = sizeof(Lanes) / sizeof(T);
  std::vector<T> expected(kValues), actual(kValues);
  std::memcpy(expected.data(), static_cast<const void*>(lanes.get()), sizeof(Lanes));
  std::memcpy(actual.data(), static_cast<const void*>(&shared), sizeof(Lanes));
  for (std::size_t i = 0; i < kValues; ++i) {
    INFO("value " << i << " of " << kValues << " in ForwardWorkspace<T, 1>");
    REQUIRE(double(actual[i]) == Approx(double(expected[i])).epsilon(tolerance).margin(tolerance));
  }
}

TEST_CASE("forward_one leaves in every buffer what forward leaves at L = 1, in double and float") {
  for (unsigned seed : {41u, 42u}) {
    INFO("seed " << seed);
    check_forward_one<double>(seed, 1e-12);
    check_forward_one<float>(seed, 1e-5);
  }
}

TEST_CASE("the preprocessing and class constants are the model file's") {
  const cnnc::CheckResult checked = cnnc::check_file(CNNC_TEST_SOURCE);
  REQUIRE(checked.model);
  const cnnc::Model& model = *checked.model;
  CHECK(Model::kInputScale == model.preprocessing.scale);
  STATIC_REQUIRE(std::size(Model::kInputMean) == Model::kInputC);
  STATIC_REQUIRE(std::size(Model::kInputStd) == Model::kInputC);
  for (int c = 0; c < Model::kInputC; ++c) {
    CHECK(Model::kInputMean[c] == cnnc::channel_value(model.preprocessing.mean, c, 0.0));
    CHECK(Model::kInputStd[c] == cnnc::channel_value(model.preprocessing.stddev, c, 1.0));
  }
  CHECK(Model::kClassCount == model.class_count());
  CHECK((Model::kClassCount > 0) == Model::kClassifier);
  CHECK(Model::kHasClassNames == !model.class_names.empty());
  STATIC_REQUIRE(std::size(Model::kClassNames) == std::size_t(std::max(Model::kClassCount, 1)));
  for (int k = 0; k < Model::kClassCount; ++k) {
    const std::string expected =
        Model::kHasClassNames ? model.class_names[std::size_t(k)] : std::to_string(k);
    CHECK(Model::kClassNames[k] == expected);
  }
}

// --- Training mode: dropout's masks and batch normalization's batch statistics ---

TEST_CASE("in training mode, backward matches central differences with one and two active "
          "lanes") {
  for (int active : {1, 2}) {
    Harness<Model, 2> harness(unsigned(20 + active), true);
    const auto report = check_gradient(harness, active, kGradientSamples);
    INFO("active " << active << ": " << report.checked << " checked, " << report.kinks
                   << " on kinks, worst relative error " << report.worst << "; "
                   << report.first_mismatch);
    CHECK(report.mismatches == 0);
    CHECK(report.few_kinks());
  }
}

TEST_CASE("in training mode, lanes beyond the active ones enter neither the statistics nor the "
          "gradient") {
  Harness<Model, 2> harness(7, true);
  harness.ws->active = 1;
  const auto with_lane = harness.gradient(1);
  const auto output = harness.output();
  for (std::size_t i = 1; i < harness.input.size(); i += 2)
    harness.input[i] = 1.0 - harness.input[i];
  for (std::size_t i = 1; i < harness.target.size(); i += 2) harness.target[i] = 0.5;
  CHECK(harness.gradient(1) == with_lane);
  const auto changed = harness.output();
  for (std::size_t k = 0; k < output.size(); k += 2) CHECK(changed[k] == output[k]);
}

namespace {

// Runs a batch of four samples as two groups of two lanes through the stages, as the trainer
// does (the groups' sums added in order), and as one group of four lanes (the group is the
// batch); both must give the same outputs and gradients.
template <class M>
void check_stages_across_groups(unsigned seed) {
  if constexpr (M::kStages > 1) {
    Harness<M, 4> whole(seed, true);
    const auto expected = whole.gradient(4);
    const auto expected_output = whole.output();
    Harness<M, 2> group[2] = {Harness<M, 2>(seed, true), Harness<M, 2>(seed, true)};
    for (int g = 0; g < 2; ++g) {
      group[g].params = whole.params;
      for (int l = 0; l < 2; ++l) {
        group[g].ws->seeds[l] = whole.ws->seeds[2 * g + l];
        for (int i = 0; i < M::kInputSize; ++i)
          group[g].input[std::size_t(i) * 2 + l] = whole.input[std::size_t(i) * 4 + 2 * g + l];
        for (int k = 0; k < M::kOutputSize; ++k)
          group[g].target[std::size_t(k) * 2 + l] = whole.target[std::size_t(k) * 4 + 2 * g + l];
      }
    }
    std::vector<double> batch(M::kBatchStatisticsSize), total(M::kStatisticsSize);
    std::vector<double> sums[2] = {std::vector<double>(M::kStatisticsSize),
                                   std::vector<double>(M::kStatisticsSize)};
    auto add_sums = [&] {
      for (int i = 0; i < M::kStatisticsSize; ++i) total[i] = sums[0][i] + sums[1][i];
    };
    for (int stage = 0; stage < M::kStages; ++stage) {
      for (int g = 0; g < 2; ++g)
        M::forward_stage(stage, group[g].params.data(), group[g].input.data(), batch.data(),
                         *group[g].ws, sums[g].data());
      add_sums();
      if (stage + 1 < M::kStages) M::finish_forward_stage(stage, 4, total.data(), batch.data());
    }
    std::vector<double> grads(M::kParamCount, 0.0);
    for (int stage = M::kStages - 1; stage >= 0; --stage) {
      for (int g = 0; g < 2; ++g)
        M::backward_stage(stage, group[g].params.data(), group[g].target.data(), 2, batch.data(),
                          *group[g].ws, grads.data(), sums[g].data());
      add_sums();
      if (stage > 0) M::finish_backward_stage(stage, 4, total.data(), batch.data());
    }
    for (int g = 0; g < 2; ++g) {
      const auto output = group[g].output();
      for (int k = 0; k < M::kOutputSize; ++k)
        for (int l = 0; l < 2; ++l)
          REQUIRE(output[std::size_t(k) * 2 + l] ==
                  Approx(expected_output[std::size_t(k) * 4 + 2 * g + l]).margin(1e-12));
    }
    for (std::size_t i = 0; i < grads.size(); ++i) {
      INFO("parameter " << i);
      REQUIRE(grads[i] == Approx(expected[i]).epsilon(1e-10).margin(1e-12));
    }
    // The moving statistics move toward the batch's.
    std::vector<double> moved = whole.params;
    M::update_moving_statistics(moved.data(), batch.data());
    for (const cnn::TensorInfo& tensor : M::kTensors)
      for (std::size_t i = 0; i < tensor.size; ++i)
        CHECK((moved[tensor.offset + i] == whole.params[tensor.offset + i]) == tensor.trainable);
  }
}

} // namespace

TEST_CASE("staged passes over two groups give the one-group result of all their samples") {
  check_stages_across_groups<Model>(11);
  check_stages_across_groups<Model>(12);
}

TEST_CASE("in training mode, forward, loss and gradients of a batch match the Eigen reference") {
  const cnnc::CheckResult checked = cnnc::check_file(CNNC_TEST_SOURCE);
  REQUIRE(checked.model);
  constexpr int kBatch = 4;
  Harness<Model, kBatch> harness(31, true);
  const auto grads = harness.gradient(kBatch);
  const auto output = harness.output();
  double lanes[kBatch];
  Model::loss(*harness.ws, harness.target.data(), kBatch, lanes);
  std::vector<std::vector<double>> inputs(kBatch), targets(kBatch);
  std::vector<std::uint64_t> seeds(harness.ws->seeds, harness.ws->seeds + kBatch);
  for (int l = 0; l < kBatch; ++l) {
    for (int i = 0; i < Model::kInputSize; ++i) inputs[l].push_back(harness.input[kBatch * i + l]);
    for (int k = 0; k < Model::kOutputSize; ++k)
      targets[l].push_back(harness.target[kBatch * k + l]);
  }
  const auto run =
      cnnc::test::reference_batch(*checked.model, harness.params, inputs, targets, true, seeds);
  for (int l = 0; l < kBatch; ++l) {
    for (int k = 0; k < Model::kOutputSize; ++k)
      REQUIRE(output[kBatch * k + l] == Approx(run.outputs[l][k]).epsilon(1e-10).margin(1e-12));
    REQUIRE(lanes[l] == Approx(run.losses[l]).epsilon(1e-10).margin(1e-12));
  }
  for (std::size_t i = 0; i < grads.size(); ++i) {
    INFO("parameter " << i);
    REQUIRE(grads[i] == Approx(run.grads[i]).epsilon(1e-9).margin(1e-11));
  }
}
