// The parser on its own: what each statement becomes in the syntax tree, and its syntax errors.
#include <catch2/catch.hpp>

#include "dsl/parser.hpp"
#include "layers/layer_type.hpp"

using namespace cnnc;

namespace {

struct Parsed {
  ast::Program program;
  std::vector<Diagnostic> diagnostics;
};

Parsed parse_text(std::string_view text) {
  Parsed parsed;
  parsed.program = parse(lex(text), parsed.diagnostics);
  return parsed;
}

} // namespace

TEST_CASE("a conv2d line fills its count, size, activation, options and assertions") {
  const auto parsed = parse_text(
      "input 28x28x1\nconv2d 10 5x3 relu stride=2x1 padding=same name=first init=normal(0.05) "
      "bias_init=zeros -> 12x24x10 params 160\n");
  REQUIRE(parsed.diagnostics.empty());
  REQUIRE(parsed.program.layers.size() == 1);
  const ast::Layer& layer = parsed.program.layers[0];
  CHECK(layer.type->keyword == "conv2d");
  CHECK(layer.label == "first");
  CHECK(layer.default_name == "conv2d_1");
  CHECK(layer.units->integer == 10);
  CHECK(layer.size->sizes == std::vector<std::int64_t>{5, 3});
  CHECK(layer.activation->text == "relu");
  CHECK(layer.stride->sizes == std::vector<std::int64_t>{2, 1});
  CHECK(layer.padding->mode->text == "same");
  CHECK(layer.init->kind.text == "normal");
  CHECK(layer.init->argument->value == Approx(0.05));
  CHECK(layer.bias_init->kind.text == "zeros");
  CHECK(layer.expected_shape->sizes == std::vector<std::int64_t>{12, 24, 10});
  CHECK(layer.expected_params->integer == 160);
  CHECK(layer.keyword == Span{2, 1, 6});
  CHECK(layer.activation->span == Span{2, 15, 4});
}

TEST_CASE("the input line and model name are read") {
  const auto parsed = parse_text("model net\ninput 32x32x3\n");
  REQUIRE(parsed.diagnostics.empty());
  CHECK(parsed.program.model_name->text == "net");
  CHECK(parsed.program.input->sizes == std::vector<std::int64_t>{32, 32, 3});
}

TEST_CASE("default layer names count each kind from 1, as Keras does") {
  const auto parsed =
      parse_text("input 28x28x1\nconv2d 1 3\nmaxpool 2\nconv2d 1 3\navgpool 2\nflatten\n"
                 "dense 4\nactivation relu\ndense 2\n");
  REQUIRE(parsed.diagnostics.empty());
  std::vector<std::string> names;
  for (const auto& layer : parsed.program.layers) names.push_back(layer.label);
  CHECK(names == std::vector<std::string>{"conv2d_1", "max_pooling2d_1", "conv2d_2",
                                          "average_pooling2d_1", "flatten_1", "dense_1",
                                          "activation_1", "dense_2"});
}

TEST_CASE("the training section's settings are read") {
  const auto parsed = parse_text("training\nloss mse\noptimizer adam lr=1e-4 beta1=0.8\n"
                                 "batch 16\nepochs 3\nvalidation 0.25\nseed 9\ninit he_normal\n"
                                 "bias_init constant(0.1)\n");
  REQUIRE(parsed.diagnostics.empty());
  const ast::Training& training = *parsed.program.training;
  CHECK(training.loss->value.text == "mse");
  CHECK(training.optimizer->kind.text == "adam");
  REQUIRE(training.optimizer->parameters.size() == 2);
  CHECK(training.optimizer->parameters[0].key.text == "lr");
  CHECK(training.optimizer->parameters[0].number->value == Approx(1e-4));
  CHECK(training.batch->value.integer == 16);
  CHECK(training.epochs->value.integer == 3);
  CHECK_FALSE(training.validation->value.integer.has_value());
  CHECK(training.validation->value.value == Approx(0.25));
  CHECK(training.seed->value.integer == 9);
  CHECK(training.init->value.kind.text == "he_normal");
  CHECK(training.bias_init->value.argument->value == Approx(0.1));
}

TEST_CASE("a syntax error marks the layer broken and parsing goes on with the next line") {
  const auto parsed = parse_text("input 28x28x1\nconv2d 10 5x\ndense 10 softmax\n");
  REQUIRE(parsed.diagnostics.size() == 1);
  CHECK(parsed.diagnostics[0].span == Span{2, 11, 2});
  CHECK(parsed.diagnostics[0].message ==
        "conv2d_1: malformed size '5x': expected whole numbers separated by 'x', such as 5x5 or "
        "28x28x1");
  REQUIRE(parsed.program.layers.size() == 2);
  CHECK(parsed.program.layers[0].broken);
  CHECK_FALSE(parsed.program.layers[1].broken);
}

TEST_CASE("reading numbers: whole, decimal, exponent, saturated") {
  ast::Number number;
  std::string error;
  const auto read = [&](std::string_view text) {
    return read_number(Token{TokenKind::Number, text, {}}, number, error);
  };
  REQUIRE(read("42"));
  CHECK(number.integer == 42);
  REQUIRE(read("1e-4"));
  CHECK_FALSE(number.integer.has_value());
  CHECK(number.value == Approx(1e-4));
  REQUIRE(read("-7"));
  CHECK(number.integer == -7);
  REQUIRE(read("99999999999999999999999"));
  CHECK(number.integer == std::numeric_limits<std::int64_t>::max());
  CHECK_FALSE(read("1.2.3"));
  CHECK(error == "malformed number '1.2.3'");
  CHECK_FALSE(read("5x5"));
  CHECK(error == "expected a number, not the size '5x5'");
  CHECK_FALSE(read("1e"));
}

TEST_CASE("reading sizes: one to many parts, malformed and negative ones rejected") {
  ast::Dims dims;
  std::string error;
  const auto read = [&](std::string_view text) {
    return read_dims(Token{TokenKind::Number, text, {}}, dims, error);
  };
  REQUIRE(read("28x28x1"));
  CHECK(dims.sizes == std::vector<std::int64_t>{28, 28, 1});
  REQUIRE(read("5"));
  CHECK(dims.sizes == std::vector<std::int64_t>{5});
  CHECK_FALSE(read("5x"));
  CHECK_FALSE(read("x5"));
  CHECK_FALSE(read("2.5x2"));
  CHECK_FALSE(read("-5"));
  CHECK(error == "size '-5' cannot be negative");
}

TEST_CASE("parser reports one error per bad line and keeps every good line") {
  const auto parsed = parse_text("input 28x28x1\nconv2d\nmaxpool 2 3\nflatten extra\n"
                                 "dense 10 softmax\n");
  REQUIRE(parsed.diagnostics.size() == 3);
  CHECK(parsed.diagnostics[0].span.line == 2);
  CHECK(parsed.diagnostics[1].span.line == 3);
  CHECK(parsed.diagnostics[2].span.line == 4);
  CHECK(parsed.program.layers.size() == 4);
}
