// Checks of one generated model (compiled once per model; CNNC_TEST_MODEL names its Model type
// and CNNC_TEST_HEADER its header): gradients against central differences, inactive lanes, the
// forward-only workspace, and the constants read from the model file.
#include CNNC_TEST_HEADER

#include <algorithm>
#include <cstring>
#include <iterator>
#include <string>

#include <catch2/catch.hpp>

#include "tests/codegen/harness.hpp"

using Model = CNNC_TEST_MODEL;
using cnnc::test::check_gradient;
using cnnc::test::Harness;

TEST_CASE("backward matches central differences with one and two active lanes") {
  for (int active : {1, 2}) {
    const unsigned seed = unsigned(active);
    Harness<Model, 2> harness(seed);
    const auto report = check_gradient(harness, active, 120);
    INFO("active " << active << ", seed " << seed << ": " << report.checked << " checked, "
                   << report.kinks << " on kinks, worst relative error " << report.worst << "; "
                   << report.first_mismatch);
    CHECK(report.mismatches == 0);
    CHECK(report.kinks * 20 <= report.checked);
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

TEST_CASE("forward, loss and gradients match the Eigen reference on random weights and inputs") {
  const cnnc::CheckResult checked = cnnc::check_file(CNNC_TEST_SOURCE);
  REQUIRE(checked.model);
  for (unsigned seed : {3u, 4u}) {
    Harness<Model, 2> harness(seed);
    const auto grads = harness.gradient(2);
    const auto output = harness.output();
    double lanes[2];
    Model::loss(*harness.ws, harness.target.data(), 2, lanes);
    std::vector<double> expected_grads(Model::kParamCount, 0.0);
    for (int l = 0; l < 2; ++l) {
      std::vector<double> input(Model::kInputSize), target(Model::kOutputSize);
      for (int i = 0; i < Model::kInputSize; ++i) input[i] = harness.input[2 * i + l];
      for (int k = 0; k < Model::kOutputSize; ++k) target[k] = harness.target[2 * k + l];
      const auto run = cnnc::test::reference_run(*checked.model, harness.params, input, target);
      for (int k = 0; k < Model::kOutputSize; ++k)
        REQUIRE(output[2 * k + l] == Approx(run.output[k]).epsilon(1e-10).margin(1e-12));
      REQUIRE(lanes[l] == Approx(run.loss).epsilon(1e-10).margin(1e-12));
      for (std::size_t i = 0; i < expected_grads.size(); ++i) expected_grads[i] += run.grads[i];
    }
    for (std::size_t i = 0; i < grads.size(); ++i) {
      INFO("parameter " << i);
      REQUIRE(grads[i] == Approx(expected_grads[i]).epsilon(1e-9).margin(1e-11));
    }
  }
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
