// Checks of one generated model (compiled once per model; CNNC_TEST_MODEL names its Model type
// and CNNC_TEST_HEADER its header): gradients against central differences, inactive lanes.
#include CNNC_TEST_HEADER

#include <catch2/catch.hpp>

#include "tests/codegen/harness.hpp"

using Model = CNNC_TEST_MODEL;
using cnnc::test::check_gradient;
using cnnc::test::Harness;

TEST_CASE("backward matches central differences with one and two active lanes") {
  for (int active : {1, 2}) {
    for (unsigned seed : {1u, 2u}) {
      Harness<Model, 2> harness(seed);
      const auto report = check_gradient(harness, active);
      INFO("active " << active << ", seed " << seed << ": " << report.checked << " checked, "
                     << report.kinks << " on kinks, worst relative error " << report.worst << "; "
                     << report.first_mismatch);
      CHECK(report.mismatches == 0);
      CHECK(report.kinks * 20 <= report.checked);
    }
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
