// Behaviour of generated code that random gradient checks cannot pin down: the unroll policy
// changes no result, max pooling's tie rule, and softmax with saturated logits.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "saturation/saturation.hpp"
#include "ties/ties.hpp"
#include "tiny/tiny.hpp"
#include "tiny_full/tiny_full.hpp"

#include "tests/codegen/harness.hpp"

using cnnc::test::Harness;

TEST_CASE("the default unroll budget and full unrolling compute the same values") {
  Harness<cnn::tiny::Model, 2> rolled(17);
  Harness<cnn::tiny_full::Model, 2> unrolled(17);
  REQUIRE(rolled.params == unrolled.params);
  REQUIRE(rolled.input == unrolled.input);
  CHECK(rolled.gradient(2) == unrolled.gradient(2));
  CHECK(rolled.output() == unrolled.output());
}

TEST_CASE("max pooling sends the gradient of a tie to the first cell of each window") {
  using M = cnn::ties::Model;
  Harness<M, 2> harness(3);
  harness.params[M::kConv2d1Kernel] = 1.0; // the 1x1 convolution copies its input
  harness.params[M::kConv2d1Bias] = 0.0;
  for (double& x : harness.input) x = 0.5; // every window is a tie
  harness.gradient(2);
  const double* pooled_grad = harness.ws->conv2d_1_grad;
  // 2x2 windows at stride 1 over 4x4: window (oy, ox) starts at cell (oy, ox), so the first
  // cells are rows and columns 0..2; row 3 and column 3 never receive a gradient.
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x)
      for (int l = 0; l < 2; ++l) {
        const double g = pooled_grad[(y * 4 + x) * 2 + l];
        INFO("cell " << y << ", " << x << ", lane " << l);
        if (y == 3 || x == 3)
          CHECK(g == 0.0);
        else
          CHECK(g != 0.0);
      }
}

TEST_CASE("a strict maximum takes the whole gradient of its window") {
  using M = cnn::ties::Model;
  Harness<M, 2> harness(4);
  harness.params[M::kConv2d1Kernel] = 1.0;
  harness.params[M::kConv2d1Bias] = 0.0;
  for (double& x : harness.input) x = 0.0;
  harness.input[(3 * 4 + 3) * 2 + 0] = 1.0; // the bottom-right cell of lane 0 wins window (2, 2)
  harness.gradient(2);
  for (int cell = 0; cell < 16; ++cell) {
    const double g = harness.ws->conv2d_1_grad[cell * 2 + 0];
    if (cell == 15)
      CHECK(g != 0.0);
    else if (cell % 4 == 3 || cell / 4 == 3)
      CHECK(g == 0.0); // edge cells win no window
  }
}

TEST_CASE("softmax with logits of +-1000 stays finite and its gradient stays p - y") {
  using M = cnn::saturation::Model;
  Harness<M, 2> harness(5);
  // Logits 1000 * (x0 - x1) * (1, -1, 0) with inputs (1, 0): class 0 wins overwhelmingly.
  const double kernel[2][3] = {{1000, -1000, 0}, {-1000, 1000, 0}};
  for (int i = 0; i < 2; ++i)
    for (int o = 0; o < 3; ++o) harness.params[M::kDense1Kernel + i * 3 + o] = kernel[i][o];
  for (int o = 0; o < 3; ++o) harness.params[M::kDense1Bias + o] = 0;
  harness.input = {1, 1, 0, 0};        // both lanes get the input (1, 0)
  harness.target = {1, 0, 0, 1, 0, 0}; // lane 0: class 0 (right), lane 1: class 1 (wrong)
  const auto grads = harness.gradient(2);
  const auto p = harness.output();
  for (double v : p) CHECK(std::isfinite(v));
  CHECK(p[0 * 2] == Approx(1.0));
  CHECK(p[1 * 2] == Approx(0.0).margin(1e-300));
  double lanes[2];
  M::loss(*harness.ws, harness.target.data(), 2, lanes);
  CHECK(lanes[0] == Approx(-std::log(1 - 1e-7)));
  CHECK(lanes[1] == Approx(-std::log(1e-7))); // clipped, finite
  // dL/dW[i][o] = sum over lanes x_i (p_o - y_o); x = (1, 0) in both lanes.
  CHECK(grads[M::kDense1Kernel + 0] == Approx((p[0] - 1) + (p[1] - 0)).margin(1e-12));
  CHECK(grads[M::kDense1Kernel + 1] == Approx((p[2] - 0) + (p[3] - 1)).margin(1e-12));
  CHECK(grads[M::kDense1Kernel + 3] == 0.0); // x1 = 0
  CHECK(grads[M::kDense1Bias + 1] == Approx(-1.0).margin(1e-12));
}
