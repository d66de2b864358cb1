// The checker's shape rules and parameter counts: the lecture's network and its examples.
#include <catch2/catch.hpp>

#include "dsl/checker.hpp"
#include "layers/layer_type.hpp"
#include "support.hpp"

using namespace cnnc;
using cnnc::test::check;
using cnnc::test::errors;

namespace {

Model checked(const std::string& text) {
  const CheckResult result = check(text);
  INFO(test::printed(result));
  REQUIRE(result.model.has_value());
  return *result.model;
}

// A single layer on an input; the dense softmax head keeps the loss rules quiet.
Layer one_layer(const std::string& input, const std::string& layer) {
  const Model model = checked("input " + input + "\n" + layer + "\nflatten\ndense 2 softmax\n");
  return model.layers.front();
}

} // namespace

TEST_CASE("the lecture's MNIST network checks row by row like Keras' summary") {
  const CheckResult result =
      check_text("models/mnist.cnn", test::read_file(test::source_path("models/mnist.cnn")));
  INFO(test::printed(result));
  REQUIRE(result.model.has_value());
  const Model& model = *result.model;
  CHECK(model.name == "mnist");
  CHECK(model.input == Shape::image(28, 28, 1));
  struct Row {
    const char* name;
    std::string_view kind;
    Shape output;
    std::int64_t params;
  };
  const std::vector<Row> rows = {
      {"conv2d_1", "conv2d", Shape::image(24, 24, 10), 260},
      {"max_pooling2d_1", "maxpool", Shape::image(12, 12, 10), 0},
      {"conv2d_2", "conv2d", Shape::image(8, 8, 20), 5020},
      {"max_pooling2d_2", "maxpool", Shape::image(4, 4, 20), 0},
      {"flatten_1", "flatten", Shape::vector(320), 0},
      {"dense_1", "dense", Shape::vector(100), 32100},
      {"dense_2", "dense", Shape::vector(10), 1010},
  };
  REQUIRE(model.layers.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO("row " << i);
    CHECK(model.layers[i].name == rows[i].name);
    CHECK(model.layers[i].type->keyword == rows[i].kind);
    CHECK(model.layers[i].output == rows[i].output);
    CHECK(model.layers[i].params == rows[i].params);
  }
  CHECK(model.total_params() == 38390);
  CHECK(model.layers[0].activation == Activation::Relu);
  CHECK(model.layers[6].activation == Activation::Softmax);
  CHECK(model.layers[1].stride_h == 2);
  CHECK(model.layers[1].kernel_w == 2);
  CHECK(model.layers[5].input == Shape::vector(320));
  CHECK(model.layers[0].span.line == 6);
}

TEST_CASE("the lecture's MNIST training setup is read with Keras' defaults filled in") {
  const auto model =
      *check_text("models/mnist.cnn", test::read_file(test::source_path("models/mnist.cnn"))).model;
  const Training& training = model.training;
  CHECK(training.loss == LossKind::CategoricalCrossentropy);
  CHECK(training.optimizer.kind == OptimizerKind::Rmsprop);
  CHECK(training.optimizer.learning_rate == Approx(0.0001));
  CHECK(training.optimizer.rho == Approx(0.9));
  CHECK(training.optimizer.epsilon == Approx(1e-7));
  CHECK(training.batch_size == 128);
  CHECK(training.epochs == 50);
  CHECK(training.validation_count == 10000);
  CHECK(training.seed == 1);
  CHECK(model.layers[0].kernel_init.kind == InitKind::GlorotUniform);
  CHECK(model.layers[0].bias_init.kind == InitKind::Zeros);
}

TEST_CASE("a 3x3 filter on a 5x5 input gives 3x3") {
  CHECK(one_layer("5x5x1", "conv2d 1 3x3").output == Shape::image(3, 3, 1));
}

TEST_CASE("a 3x3 filter on a 4x4 input gives 2x2") {
  CHECK(one_layer("4x4x1", "conv2d 1 3x3").output == Shape::image(2, 2, 1));
}

TEST_CASE("stride 2 takes a 5x5 input to 2x2 with a 3x3 filter") {
  const Layer layer = one_layer("5x5x1", "conv2d 1 3x3 stride=2");
  CHECK(layer.output == Shape::image(2, 2, 1));
  CHECK(layer.stride_h == 2);
  CHECK(layer.stride_w == 2);
}

TEST_CASE("zero padding of 1 keeps a 5x5 input 5x5 under a 3x3 filter") {
  const Layer layer = one_layer("5x5x1", "conv2d 1 3x3 padding=1");
  CHECK(layer.output == Shape::image(5, 5, 1));
  CHECK(layer.padding == Padding{1, 1, 1, 1});
}

TEST_CASE("same padding keeps 28x28 at stride 1") {
  const Layer layer = one_layer("28x28x1", "conv2d 4 5x5 padding=same");
  CHECK(layer.output == Shape::image(28, 28, 4));
  CHECK(layer.padding == Padding{2, 2, 2, 2});
}

TEST_CASE("same padding with an even kernel puts the odd element at the bottom and right") {
  const Layer layer = one_layer("16x16x3", "conv2d 8 4x4 padding=same");
  CHECK(layer.output == Shape::image(16, 16, 8));
  CHECK(layer.padding == Padding{1, 2, 1, 2});
}

TEST_CASE("same padding with stride 2 gives ceil(d / 2)") {
  const Layer even = one_layer("32x32x3", "conv2d 16 3x3 stride=2 padding=same");
  CHECK(even.output == Shape::image(16, 16, 16));
  CHECK(even.padding == Padding{0, 1, 0, 1}); // (16-1)*2 + 3 - 32 = 1
  const Layer odd = one_layer("7x7x1", "conv2d 1 3x3 stride=2 padding=same");
  CHECK(odd.output == Shape::image(4, 4, 1));
  CHECK(odd.padding == Padding{1, 1, 1, 1}); // (4-1)*2 + 3 - 7 = 2
}

TEST_CASE("same padding never pads when the stride is larger than the kernel") {
  const Layer layer = one_layer("5x5x1", "conv2d 1 1x1 stride=3 padding=same");
  CHECK(layer.output == Shape::image(2, 2, 1));
  CHECK(layer.padding == Padding{0, 0, 0, 0});
}

TEST_CASE("rectangular kernels, strides and paddings work per axis") {
  const Layer layer = one_layer("10x20x2", "conv2d 3 3x5 stride=1x2 padding=1x2");
  // height (10 + 2 - 3) / 1 + 1 = 10; width (20 + 4 - 5) / 2 + 1 = 10
  CHECK(layer.output == Shape::image(10, 10, 3));
  CHECK(layer.padding == Padding{1, 1, 2, 2});
  CHECK(layer.params == 3 * 5 * 2 * 3 + 3);
}

TEST_CASE("thirteen 3x3 convolutions take 28x28 to 2x2 and a fourteenth does not fit") {
  std::string layers;
  for (int i = 0; i < 13; ++i) layers += "conv2d 4 3x3 relu\n";
  const Model model = checked("input 28x28x1\n" + layers + "flatten\ndense 10 softmax\n");
  CHECK(model.layers[12].output == Shape::image(2, 2, 4));
  CHECK(model.layers[12].name == "conv2d_13");

  const auto found = errors("input 28x28x1\n" + layers +
                            "conv2d 4 3x3 relu\nflatten\n"
                            "dense 10 softmax\n");
  CHECK(found == std::vector<std::string>{
                     "15:10: conv2d_14: kernel 3x3 does not fit its 2x2x4 input (padding valid)",
                     "  note 14:1: the 2x2x4 input comes from conv2d_13"});
}

TEST_CASE("pooling strides default to the pool size and may overlap when given") {
  CHECK(one_layer("24x24x10", "maxpool 2x2").output == Shape::image(12, 12, 10));
  CHECK(one_layer("24x24x10", "maxpool 3").output == Shape::image(8, 8, 10));
  const Layer overlapping = one_layer("26x26x8", "avgpool 3x3 stride=2");
  CHECK(overlapping.output == Shape::image(12, 12, 8));
  CHECK(overlapping.type->keyword == "avgpool");
  CHECK(overlapping.params == 0);
  CHECK(one_layer("5x5x1", "maxpool 2 padding=same").output == Shape::image(3, 3, 1));
}

TEST_CASE("parameter counts: conv kh*kw*in_c*filters + filters, dense in*units + units") {
  CHECK(one_layer("28x28x1", "conv2d 10 5x5").params == 260);
  CHECK(one_layer("12x12x10", "conv2d 20 5x5").params == 5020);
  const Model model = checked("input 4x4x20\nflatten\ndense 100 relu\ndense 10 softmax\n");
  CHECK(model.layers[1].params == 32100);
  CHECK(model.layers[2].params == 1010);
}

TEST_CASE("an activation layer keeps its input shape and has no parameters") {
  const Model model = checked("input 8x8x1\nflatten\ndense 5\nactivation tanh\ndense 2 softmax\n");
  CHECK(model.layers[2].type->keyword == "activation");
  CHECK(model.layers[2].name == "activation_1");
  CHECK(model.layers[2].activation == Activation::Tanh);
  CHECK(model.layers[2].output == Shape::vector(5));
  CHECK(model.layers[2].params == 0);
}

TEST_CASE("initializers: the training defaults, and a layer's own") {
  const Model model = checked("input 8x8x1\nflatten\ndense 5 init=he_normal\n"
                              "dense 2 softmax bias_init=constant(0.5)\ntraining\n"
                              "init lecun_uniform\nbias_init ones\n");
  CHECK(model.layers[1].kernel_init == Initializer{InitKind::HeNormal, 0});
  CHECK(model.layers[1].bias_init == Initializer{InitKind::Ones, 0});
  CHECK(model.layers[2].kernel_init == Initializer{InitKind::LecunUniform, 0});
  CHECK(model.layers[2].bias_init == Initializer{InitKind::Constant, 0.5});
}

TEST_CASE("optimizers take Keras' defaults and normalise sgd with momentum") {
  const auto optimizer = [](const std::string& line) {
    return checked("input 2x2x1\nflatten\ndense 2 softmax\ntraining\n" + line + "\n")
        .training.optimizer;
  };
  const Optimizer sgd = optimizer("optimizer sgd");
  CHECK(sgd.kind == OptimizerKind::Sgd);
  CHECK(sgd.learning_rate == Approx(0.01));
  CHECK(sgd.momentum == 0);
  CHECK(optimizer("optimizer sgd momentum=0.9").kind == OptimizerKind::Momentum);
  CHECK(optimizer("optimizer sgd momentum=0.9 nesterov=true").kind == OptimizerKind::Nesterov);
  CHECK(optimizer("optimizer sgd momentum=0 nesterov=true").kind == OptimizerKind::Sgd);
  const Optimizer momentum = optimizer("optimizer momentum");
  CHECK(momentum.momentum == Approx(0.9));
  CHECK(momentum.learning_rate == Approx(0.01));
  const Optimizer adagrad = optimizer("optimizer adagrad");
  CHECK(adagrad.learning_rate == Approx(0.001));
  CHECK(adagrad.initial_accumulator == Approx(0.1));
  CHECK(adagrad.epsilon == Approx(1e-7));
  const Optimizer adam = optimizer("optimizer adam learning_rate=0.002 beta_2=0.99");
  CHECK(adam.learning_rate == Approx(0.002));
  CHECK(adam.beta1 == Approx(0.9));
  CHECK(adam.beta2 == Approx(0.99));
  const Optimizer rmsprop = optimizer("loss categorical_crossentropy");
  CHECK(rmsprop.kind == OptimizerKind::Rmsprop);
  CHECK(rmsprop.learning_rate == Approx(0.001));
}

TEST_CASE("without a training section every setting has its default") {
  const Model model = checked("input 2x2x1\nflatten\ndense 2 softmax\n");
  CHECK(model.training.loss == LossKind::CategoricalCrossentropy);
  CHECK(model.training.optimizer.kind == OptimizerKind::Rmsprop);
  CHECK(model.training.batch_size == 32);
  CHECK(model.training.epochs == 1);
  CHECK(model.training.validation_count == 0);
  CHECK(model.training.validation_fraction == 0);
  CHECK(model.training.seed == 0);
  CHECK(model.name == "test");
}

TEST_CASE("validation is a count or a fraction; l2 and l1 name mse and mae") {
  const Model fraction = checked("input 2x2x1\nflatten\ndense 2\ntraining\nloss l2\n"
                                 "validation 0.1\n");
  CHECK(fraction.training.validation_fraction == Approx(0.1));
  CHECK(fraction.training.loss == LossKind::MeanSquaredError);
  const Model count = checked("input 2x2x1\nflatten\ndense 2\ntraining\nloss l1\n"
                              "validation 500\n");
  CHECK(count.training.validation_count == 500);
  CHECK(count.training.loss == LossKind::MeanAbsoluteError);
}

TEST_CASE("the model's name defaults to the file stem as a C++ identifier") {
  CHECK(check_text("models/my-net.v2.cnn", "input 2x2x1\nflatten\ndense 2 softmax\n").model->name ==
        "my_net");
  CHECK(model_name_from_path("3d.cnn") == "_3d");
  CHECK(model_name_from_path("dir/mnist.cnn") == "mnist");
  CHECK(model_name_from_path("a--b.cnn") == "a_b");
  CHECK(model_name_from_path("int.cnn") == "int_model");
  CHECK(model_name_from_path("-Net.cnn") == "m_Net");
  CHECK(model_name_from_path("---.cnn") == "model");
}

TEST_CASE("binary crossentropy with a sigmoid output checks clean") {
  const Model model = checked("input 4x4x1\nflatten\ndense 1 sigmoid\ntraining\n"
                              "loss binary_crossentropy\n");
  CHECK(model.training.loss == LossKind::BinaryCrossentropy);
}
