// Each optimizer's update rule against steps worked out by hand. Parameters start at
// p = (1, -2); the gradients of three steps are g1 = (0.5, -1), g2 = (0.5, 0.25),
// g3 = (-0.25, 0.5).
#include "cnn/optimizer.hpp"

#include <catch2/catch.hpp>
#include <vector>

namespace {

cnn::OptimizerConfig config(cnn::OptimizerKind kind, double lr) {
  return {kind, lr, 0.9, 0.9, 0.9, 0.999, 1e-7, 0.1};
}

// The parameters after each of the three steps.
std::vector<std::vector<float>> run(const cnn::OptimizerConfig& c) {
  cnn::Optimizer optimizer(c, 2);
  std::vector<float> params{1.0f, -2.0f};
  const float grads[3][2] = {{0.5f, -1.0f}, {0.5f, 0.25f}, {-0.25f, 0.5f}};
  std::vector<std::vector<float>> after;
  for (const auto& g : grads) {
    optimizer.step(params.data(), g);
    after.push_back(params);
  }
  CHECK(optimizer.iterations() == 3);
  return after;
}

void check_steps(const std::vector<std::vector<float>>& actual,
                 const std::vector<std::vector<double>>& expected) {
  for (std::size_t step = 0; step < expected.size(); ++step)
    for (std::size_t i = 0; i < 2; ++i) {
      INFO("step " << step + 1 << ", parameter " << i);
      CHECK(actual[step][i] == Approx(expected[step][i]).epsilon(1e-6));
    }
}

} // namespace

TEST_CASE("SGD steps against the gradient times the learning rate") {
  // lr 0.1: p1 = (1 - 0.05, -2 + 0.1) = (0.95, -1.9); p2 = (0.9, -1.925); p3 = (0.925, -1.975).
  check_steps(run(config(cnn::OptimizerKind::Sgd, 0.1)),
              {{0.95, -1.9}, {0.9, -1.925}, {0.925, -1.975}});
}

TEST_CASE("momentum keeps a velocity as Keras' SGD(momentum=0.9)") {
  // v = 0.9 v - 0.1 g; p += v.
  // v1 = (-0.05, 0.1): p1 = (0.95, -1.9)
  // v2 = (-0.045 - 0.05, 0.09 - 0.025) = (-0.095, 0.065): p2 = (0.855, -1.835)
  // v3 = (-0.0855 + 0.025, 0.0585 - 0.05) = (-0.0605, 0.0085): p3 = (0.7945, -1.8265)
  check_steps(run(config(cnn::OptimizerKind::Momentum, 0.1)),
              {{0.95, -1.9}, {0.855, -1.835}, {0.7945, -1.8265}});
}

TEST_CASE("Nesterov momentum looks ahead as Keras' SGD(nesterov=True)") {
  // Same velocities as momentum; p += 0.9 v - 0.1 g.
  // p1 = 1 + 0.9 (-0.05) - 0.05 = 0.905;  -2 + 0.09 + 0.1 = -1.81
  // p2 = 0.905 - 0.0855 - 0.05 = 0.7695;  -1.81 + 0.0585 - 0.025 = -1.7765
  // p3 = 0.7695 - 0.05445 + 0.025 = 0.74005;  -1.7765 + 0.00765 - 0.05 = -1.81885
  check_steps(run(config(cnn::OptimizerKind::Nesterov, 0.1)),
              {{0.905, -1.81}, {0.7695, -1.7765}, {0.74005, -1.81885}});
}

TEST_CASE("AdaGrad divides by the root of the accumulated squares, starting at 0.1") {
  // a starts at initial_accumulator 0.1; a += g^2; p -= 0.1 g / (sqrt(a) + 1e-7).
  // a1 = (0.35, 1.1):     p1 = (1 - 0.05/0.591608, -2 + 0.1/1.048809) = (0.915485, -1.904654)
  // a2 = (0.6, 1.1625):   p2 = (0.915485 - 0.05/0.774597, ...)         = (0.850935, -1.927841)
  // a3 = (0.6625, 1.4125): p3                                          = (0.881650, -1.969911)
  check_steps(run(config(cnn::OptimizerKind::Adagrad, 0.1)),
              {{0.9154846, -1.9046538}, {0.8509349, -1.9278407}, {0.8816496, -1.9699110}});
}

TEST_CASE("RMSprop divides by the root of a moving mean square") {
  // lr 0.01, rho 0.9: ms = 0.9 ms + 0.1 g^2; p -= 0.01 g / (sqrt(ms) + 1e-7).
  // ms1 = (0.025, 0.1):       p1 = (1 - 0.005/0.158114, -2 + 0.01/0.316228) = (0.968377, -1.968377)
  // ms2 = (0.0475, 0.09625):  p2 = (0.968377 - 0.005/0.217945, -1.968377 - 0.0025/0.310242)
  //                              = (0.945436, -1.976435)
  // ms3 = (0.049, 0.111625):  p3 = (0.956730, -1.991401)
  check_steps(run(config(cnn::OptimizerKind::Rmsprop, 0.01)),
              {{0.9683772, -1.9683772}, {0.9454357, -1.9764355}, {0.9567295, -1.9914009}});
}

TEST_CASE("Adam corrects the bias of its moments as Keras 2") {
  // lr_t = 0.1 sqrt(1 - 0.999^t) / (1 - 0.9^t); m, v moving averages (0.9, 0.999);
  // p -= lr_t m / (sqrt(v) + 1e-7).
  // t=1: lr_t = 0.0316228, m = (0.05, -0.1), v = (0.00025, 0.001): each step is lr = 0.1 in
  //      the gradient's sign (up to epsilon): p1 = (0.9, -1.9)
  // t=2: m = (0.095, -0.0675), v = (0.00049975, 0.0010615); lr_t = 0.0235317:
  //      p2 = (0.9 - 0.1, -1.9 + 0.0235317 * 0.0675 / 0.0325807) = (0.8, -1.853054)
  // t=3: m = (0.0605, -0.0085), v = (0.00056175, 0.0013104): p3 = (0.748436, -1.848310)
  check_steps(run(config(cnn::OptimizerKind::Adam, 0.1)),
              {{0.9000006, -1.9000003}, {0.8000011, -1.8530536}, {0.7484360, -1.8483103}});
}

TEST_CASE("optimizer state blocks are named and sized like the parameters") {
  cnn::Optimizer adam(config(cnn::OptimizerKind::Adam, 0.1), 5);
  const auto state = adam.state();
  REQUIRE(state.size() == 2);
  CHECK(state[0].name == "m");
  CHECK(state[1].name == "v");
  CHECK(state[0].values->size() == 5);
  cnn::Optimizer adagrad(config(cnn::OptimizerKind::Adagrad, 0.1), 3);
  CHECK(*adagrad.state()[0].values == std::vector<float>(3, 0.1f));
  CHECK(cnn::Optimizer(config(cnn::OptimizerKind::Sgd, 0.1), 3).state().empty());
}

TEST_CASE("every optimizer leaves a non-trainable tensor and its state alone") {
  // Three tensors in a block of 6: a (2, trainable), b (3, not trainable), c (1, trainable).
  const cnn::TensorInfo tensors[] = {
      {.name = "l.a",
       .layer = "l",
       .role = "a",
       .offset = 0,
       .size = 2,
       .rank = 1,
       .dims = {2, 0, 0, 0},
       .fan_in = 2,
       .fan_out = 2,
       .init = {}},
      {.name = "l.b",
       .layer = "l",
       .role = "b",
       .offset = 2,
       .size = 3,
       .rank = 1,
       .dims = {3, 0, 0, 0},
       .fan_in = 3,
       .fan_out = 3,
       .init = {},
       .trainable = false},
      {.name = "l.c",
       .layer = "l",
       .role = "c",
       .offset = 5,
       .size = 1,
       .rank = 1,
       .dims = {1, 0, 0, 0},
       .fan_in = 1,
       .fan_out = 1,
       .init = {}},
  };
  for (const auto kind :
       {cnn::OptimizerKind::Sgd, cnn::OptimizerKind::Momentum, cnn::OptimizerKind::Nesterov,
        cnn::OptimizerKind::Adagrad, cnn::OptimizerKind::Rmsprop, cnn::OptimizerKind::Adam}) {
    INFO(cnn::keyword(kind));
    cnn::Optimizer optimizer(config(kind, 0.1), 6, tensors);
    std::vector<float> params(6, 1.0f);
    const std::vector<float> grads(6, 0.5f);
    std::vector<std::vector<float>> initial_state;
    for (const auto& state : optimizer.state()) initial_state.push_back(*state.values);
    optimizer.step(params.data(), grads.data());
    for (const std::size_t i : {0, 1, 5}) CHECK(params[i] != 1.0f);
    for (const std::size_t i : {2, 3, 4}) CHECK(params[i] == 1.0f);
    const auto states = optimizer.state();
    for (std::size_t s = 0; s < states.size(); ++s)
      for (const std::size_t i : {2, 3, 4}) CHECK((*states[s].values)[i] == initial_state[s][i]);
  }
}

TEST_CASE("A step split into ranges, as the trainer's threads take it, equals one whole step") {
  // A non-trainable tensor in the middle, which the ranges split.
  const std::vector<cnn::TensorInfo> tensors{
      {.name = "l.a",
       .layer = "l",
       .role = "a",
       .offset = 0,
       .size = 7,
       .rank = 1,
       .dims = {7, 0, 0, 0},
       .fan_in = 1,
       .fan_out = 1,
       .init = {}},
      {.name = "l.b",
       .layer = "l",
       .role = "b",
       .offset = 7,
       .size = 4,
       .rank = 1,
       .dims = {4, 0, 0, 0},
       .fan_in = 1,
       .fan_out = 1,
       .init = {},
       .trainable = false},
      {.name = "l.c",
       .layer = "l",
       .role = "c",
       .offset = 11,
       .size = 6,
       .rank = 1,
       .dims = {6, 0, 0, 0},
       .fan_in = 1,
       .fan_out = 1,
       .init = {}},
  };
  constexpr std::size_t kCount = 17;
  for (const auto kind :
       {cnn::OptimizerKind::Sgd, cnn::OptimizerKind::Momentum, cnn::OptimizerKind::Nesterov,
        cnn::OptimizerKind::Adagrad, cnn::OptimizerKind::Rmsprop, cnn::OptimizerKind::Adam}) {
    INFO(cnn::keyword(kind));
    cnn::Optimizer whole(config(kind, 0.05), kCount, tensors);
    cnn::Optimizer parts(config(kind, 0.05), kCount, tensors);
    std::vector<float> a(kCount), b(kCount), grads(kCount);
    for (std::size_t i = 0; i < kCount; ++i) a[i] = b[i] = 0.1f * float(i) - 0.7f;
    const std::vector<float> initial = b;
    for (int step = 0; step < 4; ++step) {
      for (std::size_t i = 0; i < kCount; ++i) grads[i] = 0.3f * float((i * 7 + step) % 5) - 0.6f;
      whole.step(a.data(), grads.data());
      parts.begin_step();
      for (const auto& [begin, end] : {std::pair<std::size_t, std::size_t>{9, 17}, {0, 3}, {3, 9}})
        parts.update_range(b.data(), grads.data(), begin, end);
    }
    CHECK(parts.iterations() == whole.iterations());
    CHECK(a == b);
    for (std::size_t i = 7; i < 11; ++i) CHECK(b[i] == initial[i]);
    CHECK(b != initial);
  }
}
