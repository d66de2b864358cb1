// Fixed filters: `filter` lines after a conv2d give its weights, which are not trained. Their
// layout in the kernel, the summary's counts, and every error with its place.
#include <catch2/catch.hpp>

#include "layers/layer_type.hpp"
#include "support.hpp"

using cnnc::test::check;
using cnnc::test::errors;
using Lines = std::vector<std::string>;

namespace {

const std::string kTail = "flatten\ndense 2 softmax\n";

// The checked model of `text`, which must have no error.
cnnc::Model model_of(const std::string& text) {
  const cnnc::CheckResult result = check(text);
  INFO(errors(text).size() << " errors, first: "
                           << (errors(text).empty() ? "" : errors(text).front()));
  REQUIRE(result.model);
  return *result.model;
}

} // namespace

TEST_CASE("preset filters fill the kernel in Keras' layout, one output channel each") {
  const cnnc::Model model = model_of("input 5x5x1\nconv2d 2 3x3\n  filter edge\n  filter "
                                     "gaussian_blur\n" +
                                     kTail);
  const cnnc::Layer& conv = model.layers[0];
  REQUIRE(conv.fixed_kernel.size() == 18);
  const double edge[9] = {-1, -1, -1, -1, 8, -1, -1, -1, -1};
  const double gauss[9] = {1, 2, 1, 2, 4, 2, 1, 2, 1};
  for (int tap = 0; tap < 9; ++tap) {
    CHECK(conv.fixed_kernel[std::size_t(tap * 2 + 0)] == edge[tap]);
    CHECK(conv.fixed_kernel[std::size_t(tap * 2 + 1)] == Approx(gauss[tap] / 16));
  }
  CHECK(conv.fixed_bias == std::vector<double>{0, 0});
}

TEST_CASE("fixed filters are non-trainable tensors with their values and no L2 penalty") {
  const cnnc::Model model =
      model_of("input 5x5x1\nconv2d 1 3x3\n  filter sharpen bias=0.5\n" + kTail);
  const auto tensors = model.layers[0].type->tensors(model.layers[0]);
  REQUIRE(tensors.size() == 2);
  for (const auto& tensor : tensors) {
    CHECK_FALSE(tensor.trainable);
    CHECK(tensor.l2 == 0.0);
  }
  CHECK(tensors[0].values == std::vector<double>{0, -1, 0, -1, 5, -1, 0, -1, 0});
  CHECK(tensors[1].values == std::vector<double>{0.5});
  // A layer without filter lines learns its weights as before.
  const auto learnt = model.layers[2].type->tensors(model.layers[2]); // dense_1
  REQUIRE(learnt.size() == 2);
  CHECK(learnt[0].trainable);
  CHECK(learnt[0].values.empty());
}

TEST_CASE("numbers run row by row with the channels innermost, times scale") {
  const cnnc::Model model = model_of(
      "input 4x4x2\nconv2d 1 2x2 bias=false\n  filter 1,2, 3,4, 5,6, 7,8 scale=0.5\n" + kTail);
  CHECK(model.layers[0].fixed_kernel == std::vector<double>{0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4});
  CHECK(model.layers[0].fixed_bias.empty());
}

TEST_CASE("a preset on several input channels filters their mean") {
  const cnnc::Model model = model_of("input 5x5x2\nconv2d 1 3x3\n  filter identity\n" + kTail);
  const auto& kernel = model.layers[0].fixed_kernel;
  REQUIRE(kernel.size() == 18);
  CHECK(kernel[8] == 0.5); // the centre tap (4), channel 0
  CHECK(kernel[9] == 0.5); // channel 1
  CHECK(kernel[0] == 0.0);
}

TEST_CASE("the summary counts fixed filters as non-trainable parameters") {
  const std::string summary = cnnc::format_summary(
      model_of("input 5x5x1\nconv2d 2 3x3\n  filter edge\n  filter sharpen\n" + kTail));
  CHECK_THAT(summary, Catch::Contains("Total params: 58") &&
                          Catch::Contains("Trainable params: 38") &&
                          Catch::Contains("Non-trainable params: 20"));
}

TEST_CASE("the number of filter lines must be the filter count") {
  CHECK(errors("input 5x5x1\nconv2d 3 3x3\n  filter edge\n  filter sharpen\n" + kTail) ==
        Lines{"2:8: conv2d_1: 3 filters, but 2 'filter' lines follow (give one per filter, or "
              "none to train them)",
              "  note 4:3: the last 'filter' line"});
}

TEST_CASE("a filter with the wrong count of numbers says how many the kernel takes") {
  CHECK(errors("input 5x5x2\nconv2d 1 3x3\n  filter 1,2,3,4,5,6,7,8,9\n" + kTail) ==
        Lines{"3:10: conv2d_1: filter 1 has 9 numbers; a 3x3 filter on 2 input channels takes "
              "18 (3 x 3 x 2: row by row, the channels innermost)"});
}

TEST_CASE("a filter value that is not a number is an error at the value") {
  CHECK(errors("input 5x5x1\nconv2d 1 3x3\n  filter 1,2,x\n" + kTail) ==
        Lines{"3:14: expected a number after ',' in the filter, not 'x'"});
  CHECK(errors("input 5x5x1\nconv2d 1 3x3\n  filter 1,2,\n" + kTail) ==
        Lines{"3:14: expected a number after ',' in the filter, not the end of the line"});
  CHECK(errors("input 5x5x1\nconv2d 1 3x3\n  filter\n" + kTail) ==
        Lines{"3:3: missing the filter: a preset such as 'edge' or its numbers, such as 'filter "
              "0,-1,0,-1,5,-1,0,-1,0'"});
  CHECK(errors("input 5x5x1\nconv2d 1 3x3\n  filter edge bias=high\n" + kTail) ==
        Lines{"3:20: expected a number after 'bias=', not 'high'"});
  CHECK(errors("input 5x5x1\nconv2d 1 3x3\n  filter edge stride=2\n" + kTail) ==
        Lines{"3:15: unexpected 'stride'; a filter line is 'filter PRESET|N,N,... [bias=B] "
              "[scale=S]'"});
}

TEST_CASE("an unknown preset lists the presets and suggests the closest") {
  CHECK(errors("input 5x5x1\nconv2d 1 3x3\n  filter sharpn\n" + kTail) ==
        Lines{"3:10: conv2d_1: unknown filter 'sharpn' (the presets are identity, edge, sharpen, "
              "box_blur, gaussian_blur; or give the filter's numbers); did you mean 'sharpen'?"});
}

TEST_CASE("a preset needs a 3x3 kernel") {
  CHECK(errors("input 5x5x1\nconv2d 1 5x5\n  filter edge\n" + kTail) ==
        Lines{"3:10: conv2d_1: filter 'edge' is 3x3, but the layer's kernel is 5x5",
              "  note 2:10: the kernel size is given here"});
}

TEST_CASE("initializers and an L2 penalty do not apply to fixed filters") {
  CHECK(errors("input 5x5x1\nconv2d 1 3x3 init=he_normal l2=0.1\n  filter edge\n" + kTail) ==
        Lines{"2:19: conv2d_1: 'init' does not apply to fixed filters (the 'filter' lines give "
              "the weights, which are not trained)",
              "  note 3:3: the fixed filters start here",
              "2:29: conv2d_1: 'l2' does not apply to fixed filters (the 'filter' lines give the "
              "weights, which are not trained)",
              "  note 3:3: the fixed filters start here"});
}

TEST_CASE("a filter's bias needs a layer with a bias") {
  CHECK(errors("input 5x5x1\nconv2d 1 3x3 bias=false\n  filter edge bias=1\n" + kTail) ==
        Lines{"3:20: conv2d_1: filter 1 has a bias, but the layer has none (bias=false)"});
}

TEST_CASE("a filter line must follow a conv2d layer, before the training section") {
  CHECK(errors("input 5x5x1\n  filter edge\nconv2d 1 3x3\n" + kTail) ==
        Lines{"2:3: 'filter' gives a fixed filter of a conv2d layer, and must follow it"});
  CHECK(errors("input 5x5x1\nconv2d 1 3x3\nflatten\n  filter edge\ndense 2 softmax\n") ==
        Lines{"4:3: 'filter' gives a fixed filter of a conv2d layer, and must follow it",
              "  note 3:1: the layer above is flatten_1, a flatten layer"});
  CHECK(errors("input 5x5x1\nconv2d 1 3x3\n" + kTail + "training\n  filter edge\n") ==
        Lines{"6:3: 'filter' lines must come before 'training', after their conv2d layer",
              "  note 5:1: the training section starts here"});
}

TEST_CASE("a duplicate bias or scale on a filter line is an error") {
  CHECK(errors("input 5x5x1\nconv2d 1 3x3\n  filter edge bias=1 bias=2\n" + kTail) ==
        Lines{"3:22: duplicate 'bias'", "  note 3:15: first given here"});
}
