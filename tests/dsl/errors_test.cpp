// Every class of error the checker reports: its exact message, line and column, and notes.
#include <catch2/catch.hpp>

#include <fmt/core.h>

#include "dsl/checker.hpp"
#include "support.hpp"

using cnnc::test::errors;
using Lines = std::vector<std::string>;

namespace {

// The lecture's head, so the loss rules stay quiet unless a test is about them.
const std::string kHead = "flatten\ndense 10 softmax\n";

} // namespace

TEST_CASE("an unknown statement suggests the closest keyword") {
  CHECK(errors("input 28x28x1\nmaxpol 2\n" + kHead) ==
        Lines{"2:1: unknown statement 'maxpol'; did you mean 'maxpool'?"});
  CHECK(errors("input 28x28x1\nmax_pooling2d 2\n" + kHead) ==
        Lines{"2:1: unknown statement 'max_pooling2d'; did you mean 'maxpool'?"});
  CHECK(errors("input 28x28x1\nfoo 2\n" + kHead) == Lines{"2:1: unknown statement 'foo'"});
}

TEST_CASE("a line that does not start with a keyword is an error") {
  CHECK(errors("input 28x28x1\n10 5x5\n" + kHead) ==
        Lines{"2:1: expected a statement such as 'conv2d' or 'input' at the start of the line, "
              "not '10'"});
}

TEST_CASE("conv2d without a filter count names what is missing") {
  CHECK(errors("input 28x28x1\nconv2d 5x5 relu\n" + kHead) ==
        Lines{"2:8: conv2d_1: missing the filter count before the kernel size '5x5', such as "
              "'conv2d 10 5x5 relu'"});
  CHECK(errors("input 28x28x1\nconv2d\n" + kHead) ==
        Lines{"2:1: conv2d_1: missing the filter count, such as 'conv2d 10 5x5 relu'"});
  CHECK(errors("input 28x28x1\nconv2d 10\n" + kHead) ==
        Lines{"2:1: conv2d_1: missing the kernel size, such as 'conv2d 10 5x5 relu'"});
  CHECK(errors("input 28x28x1\nmaxpool\n" + kHead) ==
        Lines{"2:1: max_pooling2d_1: missing the pool size, such as 'maxpool 2x2'"});
  CHECK(errors("input 4x4x1\nflatten\ndense\ndense 2 softmax\n") ==
        Lines{"3:1: dense_1: missing the unit count, such as 'dense 100 relu'"});
  CHECK(errors("input 4x4x1\nflatten\nactivation\ndense 2 softmax\n") ==
        Lines{"3:1: activation_1: missing the activation, such as 'activation relu'"});
}

TEST_CASE("malformed numbers and sizes are errors at the value") {
  CHECK(errors("input 28x28x1\nconv2d 10 5x\n" + kHead) ==
        Lines{"2:11: conv2d_1: malformed size '5x': expected whole numbers separated by 'x', "
              "such as 5x5 or 28x28x1"});
  CHECK(errors("input 28x\n" + kHead) ==
        Lines{"1:7: malformed size '28x': expected whole numbers separated by 'x', such as 5x5 "
              "or 28x28x1"});
  CHECK(errors("input 28x28x1\nconv2d 2.5 3\n" + kHead) ==
        Lines{"2:8: conv2d_1: the filter count must be a whole number, not 2.5"});
  CHECK(errors("input 28x28x1\nmaxpool -2\n" + kHead) ==
        Lines{"2:9: max_pooling2d_1: size '-2' cannot be negative"});
  CHECK(errors("input 28x28x1\n" + kHead + "training\nbatch 1.2.3\n") ==
        Lines{"5:7: malformed number '1.2.3'"});
}

TEST_CASE("zero and negative counts and strides are errors") {
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 stride=0\n" + kHead) ==
        Lines{"2:22: conv2d_1: the stride must be at least 1, not 0"});
  CHECK(errors("input 28x28x1\nconv2d -3 5x5\n" + kHead) ==
        Lines{"2:8: conv2d_1: the filter count must be at least 1, not -3"});
  CHECK(errors("input 28x28x1\nconv2d 0 5x5\n" + kHead) ==
        Lines{"2:8: conv2d_1: the filter count must be at least 1, not 0 (zero filters give a "
              "zero-sized output)"});
  CHECK(errors("input 4x4x1\nflatten\ndense 0\ndense 2 softmax\n") ==
        Lines{"3:7: dense_1: the unit count must be at least 1, not 0 (zero units give a "
              "zero-sized output)"});
  CHECK(errors("input 28x28x1\nconv2d 1 0x3\n" + kHead) ==
        Lines{"2:10: conv2d_1: the kernel size must be at least 1, not 0x3"});
  CHECK(errors("input 28x0x1\n" + kHead) ==
        Lines{"1:7: every size of the input shape must be from 1 to 1,000,000, not 28x0x1"});
}

TEST_CASE("unknown and duplicate options are errors") {
  CHECK(errors("input 28x28x1\nconv2d 8 3x3 strides=2\n" + kHead) ==
        Lines{"2:14: conv2d_1: unknown option 'strides' (a conv2d layer takes stride, padding, "
              "name, init, bias_init, activation, bias, l2, dilation, groups); did you mean "
              "'stride'?"});
  CHECK(errors("input 28x28x1\nmaxpool 2 init=zeros\n" + kHead) ==
        Lines{"2:11: max_pooling2d_1: unknown option 'init' (a maxpool layer takes stride, "
              "padding, name)"});
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 stride=2 stride=1\n" + kHead) ==
        Lines{"2:24: conv2d_1: duplicate 'stride'", "  note 2:22: first given here"});
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 relu activation=tanh\n" + kHead) ==
        Lines{"2:20: conv2d_1: duplicate activation", "  note 2:15: first given here"});
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 relu tanh\n" + kHead) ==
        Lines{"2:20: conv2d_1: unexpected 'tanh'; conv2d takes FILTERS KxK [ACTIVATION] "
              "[stride=S|SHxSW] [padding=valid|same|P|PHxPW] [name=ID] [init=INIT] "
              "[bias_init=INIT] [bias=false] [l2=F] [dilation=D|DHxDW] [groups=G]"});
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 padding=\n" + kHead) ==
        Lines{"2:23: conv2d_1: missing the value of 'padding'"});
}

TEST_CASE("unknown activations, paddings, initializers suggest the closest") {
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 rleu\n" + kHead) ==
        Lines{"2:15: conv2d_1: unknown activation 'rleu'; did you mean 'relu'?"});
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 padding=sme\n" + kHead) ==
        Lines{"2:23: conv2d_1: unknown padding 'sme' (expected valid, same, a size P or PHxPW)"});
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 init=glorot\n" + kHead) ==
        Lines{"2:20: conv2d_1: unknown initializer 'glorot'; did you mean 'glorot_uniform'?"});
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 init=normal\n" + kHead) ==
        Lines{"2:20: conv2d_1: normal needs its standard deviation, such as normal(0.05)"});
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 init=he_normal(2)\n" + kHead) ==
        Lines{"2:30: conv2d_1: he_normal takes no argument"});
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 init=uniform(-1)\n" + kHead) ==
        Lines{"2:28: conv2d_1: the limit of uniform must be positive, not -1"});
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 init=normal(0.1\n" + kHead) ==
        Lines{"2:30: conv2d_1: expected ')' after 'normal(0.1', not the end of the line"});
}

TEST_CASE("a kernel larger than its padded input names the layer, the sizes and the padding") {
  CHECK(errors("input 12x12x10\nconv2d 20 5x5\nmaxpool 2\nconv2d 20 5x5\n" + kHead) ==
        Lines{"4:11: conv2d_2: kernel 5x5 does not fit its 4x4x20 input (padding valid)",
              "  note 3:1: the 4x4x20 input comes from max_pooling2d_1"});
  CHECK(errors("input 4x4x1\nconv2d 1 7x7 padding=1\n" + kHead) ==
        Lines{"2:10: conv2d_1: kernel 7x7 does not fit its 4x4x1 input (padding 1, padded to "
              "6x6)",
              "  note 1:1: the model's input is 4x4x1"});
  CHECK(errors("input 4x4x1\nconv2d 1 3x3 padding=3\n" + kHead) ==
        Lines{"2:22: conv2d_1: padding 3 is not smaller than the kernel 3x3; some windows would "
              "see only padding"});
}

TEST_CASE("a pool larger than its input is an error") {
  CHECK(errors("input 4x4x1\nmaxpool 5\n" + kHead) ==
        Lines{"2:9: max_pooling2d_1: pool 5x5 does not fit its 4x4x1 input (padding valid)",
              "  note 1:1: the model's input is 4x4x1"});
  CHECK(errors("input 3x8x1\navgpool 2x4 stride=1\navgpool 3\n" + kHead) ==
        Lines{"3:9: average_pooling2d_2: pool 3x3 does not fit its 2x5x1 input (padding valid)",
              "  note 2:1: the 2x5x1 input comes from average_pooling2d_1"});
}

TEST_CASE("a dilation below 1, or above 1 with a stride above 1, is an error at the dilation") {
  CHECK(errors("input 28x28x1\nconv2d 8 3x3 dilation=0\n" + kHead) ==
        Lines{"2:23: conv2d_1: the dilation must be at least 1, not 0"});
  CHECK(errors("input 28x28x1\ndepthwise_conv2d 3x3 dilation=2x0\n" + kHead) ==
        Lines{"2:31: depthwise_conv2d_1: the dilation must be at least 1, not 2x0"});
  CHECK(errors("input 28x28x1\nconv2d 8 3x3 stride=2 dilation=2\n" + kHead) ==
        Lines{"2:32: conv2d_1: dilation 2 needs stride 1, not 2 (Keras does not combine a "
              "dilation above 1 with a stride above 1)"});
  CHECK(errors("input 28x28x1\ndepthwise_conv2d 3x3 dilation=1x2 stride=2x1\n" + kHead) ==
        Lines{"2:31: depthwise_conv2d_1: dilation 1x2 needs stride 1, not 2x1 (Keras does not "
              "combine a dilation above 1 with a stride above 1)"});
  CHECK(errors("input 28x28x1\nconv2d 8 3x3 stride=2 dilation=1\n" + kHead).empty());
}

TEST_CASE("a dilated kernel that does not fit names the cells it spans") {
  CHECK(errors("input 4x4x1\nconv2d 1 3x3 dilation=2\n" + kHead) ==
        Lines{"2:10: conv2d_1: kernel 3x3 (dilated, it spans 5x5) does not fit its 4x4x1 input "
              "(padding valid)",
              "  note 1:1: the model's input is 4x4x1"});
}

TEST_CASE("groups must divide the input channels and the filters") {
  CHECK(errors("input 8x8x6\nconv2d 8 3x3 groups=4\n" + kHead) ==
        Lines{"2:21: conv2d_1: groups=4 does not divide the 6 input channels (each group takes "
              "an equal share of them)",
              "  note 1:1: the model's input is 8x8x6"});
  CHECK(errors("input 8x8x3\nconv2d 6 3x3\nconv2d 4 3x3 groups=4\n" + kHead) ==
        Lines{"3:21: conv2d_2: groups=4 does not divide the 6 input channels (each group takes "
              "an equal share of them)",
              "  note 2:1: the 6x6x6 input comes from conv2d_1"});
  CHECK(errors("input 8x8x6\nconv2d 5 3x3 groups=3\n" + kHead) ==
        Lines{"2:21: conv2d_1: groups=3 does not divide the 5 filters (each group makes an equal "
              "share of them)"});
  CHECK(errors("input 8x8x6\nconv2d 6 3x3 groups=0\n" + kHead) ==
        Lines{"2:21: conv2d_1: the group count must be at least 1, not 0"});
  CHECK(errors("input 8x8x6\nconv2d 6 3x3 groups=1.5\n" + kHead) ==
        Lines{"2:21: conv2d_1: the group count must be a whole number, not 1.5"});
  CHECK(errors("input 8x8x6\nconv2d 12 3x3 groups=6 params 120\n" + kHead).empty());
}

TEST_CASE("a depth multiplier below 1 is an error; depthwise layers count C * M outputs") {
  CHECK(errors("input 8x8x3\ndepthwise_conv2d 3x3 depth_multiplier=0\n" + kHead) ==
        Lines{"2:39: depthwise_conv2d_1: the depth_multiplier must be at least 1, not 0"});
  CHECK(errors("input 8x8x3\ndepthwise_conv2d 3x3 depth_multiplier=2 -> 6x6x6 params 60\n" + kHead)
            .empty());
  CHECK(errors("input 8x8x3\ndepthwise_conv2d 3x3 params 27\n" + kHead) ==
        Lines{"2:29: depthwise_conv2d_1: expected 27 parameters, but the layer has 30 (3x3x3x1 "
              "weights + 3 biases)"});
}

TEST_CASE("depthwise convolution and global average pooling of a vector are errors") {
  CHECK(errors("input 4x4x1\nflatten\ndepthwise_conv2d 3x3\ndense 2 softmax\n") ==
        Lines{"3:1: depthwise_conv2d_1: depthwise_conv2d needs an image input (HxWxC), but its "
              "input is the vector 16",
              "  note 2:1: the 16 input comes from flatten_1"});
  CHECK(errors("input 4x4x1\nflatten\nglobal_avgpool\ndense 2 softmax\n") ==
        Lines{"3:1: global_average_pooling2d_1: global_avgpool needs an image input (HxWxC), but "
              "its input is the vector 16",
              "  note 2:1: the 16 input comes from flatten_1"});
  CHECK(errors("input 4x4x3\nglobal_avgpool -> 3\ndense 2 softmax\n").empty());
}

TEST_CASE("Keras' spellings of the new kinds suggest ours") {
  CHECK(errors("input 28x28x1\nglobal_average_pooling2d\n" + kHead) ==
        Lines{"2:1: unknown statement 'global_average_pooling2d'; did you mean 'global_avgpool'?"});
  CHECK(errors("input 28x28x1\ndepthwiseconv2d 3x3\n" + kHead) ==
        Lines{"2:1: unknown statement 'depthwiseconv2d'; did you mean 'depthwise_conv2d'?"});
  CHECK(errors("input 28x28x1\nconv2d 8 3x3 dilation_rate=2\n" + kHead) ==
        Lines{"2:14: conv2d_1: unknown option 'dilation_rate' (a conv2d layer takes stride, "
              "padding, name, init, bias_init, activation, bias, l2, dilation, groups); did you "
              "mean 'dilation'?"});
}

TEST_CASE("dense on an image without flatten is an error that suggests flatten") {
  CHECK(errors("input 4x4x20\ndense 100 relu params 32100\ndense 10 softmax\n") ==
        Lines{"2:1: dense_1: dense needs a vector input, but its input is the image 4x4x20; add "
              "'flatten' before it",
              "  note 1:1: the model's input is 4x4x20"});
}

TEST_CASE("flatten of a vector and convolution or pooling of a vector are errors") {
  CHECK(errors("input 4x4x1\nflatten\nflatten\ndense 2 softmax\n") ==
        Lines{"3:1: flatten_2: its input is already the vector 16; flatten needs an image (HxWxC)",
              "  note 2:1: the 16 input comes from flatten_1"});
  CHECK(errors("input 4x4x1\nflatten\nconv2d 2 3x3\ndense 2 softmax\n") ==
        Lines{"3:1: conv2d_1: conv2d needs an image input (HxWxC), but its input is the vector 16",
              "  note 2:1: the 16 input comes from flatten_1"});
  CHECK(errors("input 4x4x1\nflatten\nmaxpool 2\ndense 2 softmax\n") ==
        Lines{"3:1: max_pooling2d_1: maxpool needs an image input (HxWxC), but its input is the "
              "vector 16",
              "  note 2:1: the 16 input comes from flatten_1"});
}

TEST_CASE("softmax anywhere but the last layer is an error") {
  CHECK(errors("input 4x4x1\nflatten\ndense 8 softmax\ndense 2 softmax\n") ==
        Lines{"3:9: dense_1: softmax is only allowed on the last layer (it turns the output into "
              "class probabilities)",
              "  note 4:1: the last layer is here"});
  CHECK(errors("input 4x4x1\nconv2d 2 3x3 softmax\nflatten\ndense 2 softmax\n") ==
        Lines{"2:14: conv2d_1: softmax is only allowed on the last layer (it turns the output "
              "into class probabilities)",
              "  note 4:1: the last layer is here"});
}

TEST_CASE("the loss must fit the last layer's activation") {
  CHECK(errors("input 4x4x1\nflatten\ndense 2 softmax\ntraining\nloss mse\n") ==
        Lines{"5:6: loss mse does not fit the softmax output of dense_1; softmax pairs with "
              "categorical_crossentropy",
              "  note 3:1: dense_1 is the last layer"});
  CHECK(errors("input 4x4x1\nflatten\ndense 2\ntraining\nloss categorical_crossentropy\n") ==
        Lines{"5:6: loss categorical_crossentropy needs a softmax output, but the last layer "
              "dense_1 has activation linear",
              "  note 3:1: dense_1 is the last layer"});
  CHECK(errors("input 4x4x1\nflatten\ndense 2 relu\n") ==
        Lines{"3:1: the default loss categorical_crossentropy needs a softmax output, but the last "
              "layer dense_1 has activation relu; set 'loss' in the training section",
              "  note 3:1: dense_1 is the last layer"});
  CHECK(errors("input 4x4x1\nflatten\ndense 1 tanh\ntraining\nloss binary_crossentropy\n") ==
        Lines{"5:6: loss binary_crossentropy needs a sigmoid output, but the last layer dense_1 "
              "has activation tanh",
              "  note 3:1: dense_1 is the last layer"});
}

TEST_CASE("softmax on an image output is an error") {
  CHECK(errors("input 4x4x3\nactivation softmax\n") ==
        Lines{"2:12: activation_1: softmax needs a vector, but the output is the image 4x4x3; add "
              "'flatten' and 'dense' before it"});
}

TEST_CASE("a failed assertion shows the expected and the actual value at the assertion") {
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 relu -> 24x24x12\n" + kHead) ==
        Lines{"2:23: conv2d_1: expected output shape 24x24x12, but the layer's output is "
              "24x24x10"});
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 relu params 270\n" + kHead) ==
        Lines{"2:27: conv2d_1: expected 270 parameters, but the layer has 260 (5x5x1x10 weights + "
              "10 biases)"});
  CHECK(errors("input 4x4x20\nflatten -> 320\ndense 10 softmax params 3210\n").empty());
  CHECK(errors("input 4x4x20\nflatten -> 32\ndense 10 softmax params 3201\n") ==
        Lines{"2:12: flatten_1: expected output shape 32, but the layer's output is 320",
              "3:25: dense_1: expected 3201 parameters, but the layer has 3210 (320x10 weights + "
              "10 biases)"});
  CHECK(errors("input 4x4x1\nflatten -> 99999999999999999999\ndense 10 softmax\n") ==
        Lines{"2:12: flatten_1: expected output shape 99999999999999999999, but the layer's "
              "output is 16"});
  CHECK(errors("input 4x4x1\nmaxpool 2 -> 2x2\n" + kHead) ==
        Lines{"2:14: max_pooling2d_1: an output shape is HxWxC or N, not '2x2'"});
}

TEST_CASE("a missing input line, a missing layer list and an empty file are errors") {
  CHECK(errors(kHead) ==
        Lines{"1:1: missing 'input HxWxC' line (such as 'input 28x28x1') before the first layer"});
  CHECK(errors("input 28x28x1\n") ==
        Lines{"1:1: the model has no layers; add layers after 'input'"});
  CHECK(errors("# nothing here\n") ==
        Lines{"0:0: no 'input' line and no layers: a model is 'input HxWxC' followed by its "
              "layers"});
  CHECK(errors("") == errors("\n\n"));
}

TEST_CASE("the input line must come once and before the layers, with three sizes") {
  CHECK(errors("input 28x28x1\ninput 28x28x1\n" + kHead) ==
        Lines{"2:1: duplicate 'input' line", "  note 1:1: the first input"});
  CHECK(errors("flatten\ninput 2x2x1\ndense 2 softmax\n") ==
        Lines{"2:1: 'input' must come before the layers", "  note 1:1: the first layer is here"});
  CHECK(errors("input 28x28\n" + kHead) ==
        Lines{"1:7: the input shape is HxWxC (three sizes, such as 28x28x1), not '28x28'"});
}

TEST_CASE("duplicate layer names are errors, whether given or Keras' defaults") {
  CHECK(errors("input 4x4x1\nflatten name=a\ndense 2 name=a\ndense 2 softmax\n") ==
        Lines{"3:14: duplicate layer name 'a'", "  note 2:1: the name is first used here"});
  CHECK(errors("input 4x4x1\nflatten\ndense 2 name=dense_2\ndense 2 softmax\n") ==
        Lines{"4:1: duplicate layer name 'dense_2'", "  note 3:1: the name is first used here"});
}

TEST_CASE("training settings outside the training section are errors with a hint") {
  CHECK(errors("input 4x4x1\nloss mse\nflatten\ndense 2\n") ==
        Lines{"2:1: 'loss' is a training setting; write it after a 'training' line that follows "
              "the layers"});
  CHECK(errors("input 4x4x1\nflatten\ntraining\ndense 2 softmax\n") ==
        Lines{"4:1: dense_1: layers must come before 'training'",
              "  note 3:1: the training section starts here"});
  CHECK(errors("input 4x4x1\n" + kHead + "training\nbatch 8\nbatch 16\n") ==
        Lines{"6:1: duplicate 'batch'", "  note 5:1: 'batch' was first set here"});
  CHECK(errors("input 4x4x1\n" + kHead + "training\ntraining\n") ==
        Lines{"5:1: duplicate 'training' line", "  note 4:1: the training section starts here"});
}

TEST_CASE("training values out of range or unknown are errors") {
  const std::string model = "input 4x4x1\n" + kHead + "training\n";
  CHECK(errors(model + "loss crossentropy\n") ==
        Lines{"5:6: unknown loss 'crossentropy'; did you mean 'categorical_crossentropy'?"});
  CHECK(errors(model + "optimizer adamw\n") ==
        Lines{"5:11: unknown optimizer 'adamw'; did you mean 'adam'?"});
  CHECK(errors(model + "optimizer adam rho=0.9\n") ==
        Lines{"5:16: adam has no hyper-parameter 'rho' (it takes lr, beta1, beta2, epsilon); 'rho' "
              "belongs to rmsprop"});
  CHECK(errors(model + "optimizer sgd lr=0\n") ==
        Lines{"5:18: sgd lr must be a positive number, not 0"});
  CHECK(errors(model + "optimizer momentum momentum=1\n") ==
        Lines{"5:29: momentum momentum must be at least 0 and below 1, not 1"});
  CHECK(errors(model + "optimizer sgd nesterov=yes\n") ==
        Lines{"5:24: sgd nesterov is true or false"});
  CHECK(errors(model + "optimizer adam lr=0.1 lr=0.2\n") ==
        Lines{"5:23: duplicate hyper-parameter 'lr'", "  note 5:16: first set here"});
  CHECK(errors(model + "batch 0\n") == Lines{"5:7: the batch size must be at least 1, not 0"});
  CHECK(errors(model + "epochs 2.5\n") ==
        Lines{"5:8: the epoch count must be a whole number, not 2.5"});
  CHECK(errors(model + "validation 1.0\n") ==
        Lines{"5:12: a validation fraction must be above 0 and below 1, not 1.0 (write a whole "
              "number for a count of samples)"});
  CHECK(errors(model + "validation -5\n") ==
        Lines{"5:12: validation must be a count of samples from 0 to 2,147,483,647 or a fraction "
              "between 0 and 1, not -5"});
  CHECK(errors(model + "seed -1\n") ==
        Lines{"5:6: the seed must be a whole number from 0 to 2^63-2, not -1"});
}

TEST_CASE("absurd sizes are errors, never overflows") {
  CHECK(errors("input 99999999999999999999x1x1\n" + kHead) ==
        Lines{"1:7: every size of the input shape must be from 1 to 1,000,000, not "
              "99999999999999999999x1x1"});
  CHECK(errors("input 100000x100000x1\n" + kHead) ==
        Lines{"1:7: the input 100000x100000x1 has 10,000,000,000 values, more than the "
              "33,554,431 the generated code can index at 64 lanes"});
  CHECK(errors("input 1000x1000x1\nflatten\ndense 1000000 softmax\n") ==
        Lines{"3:1: dense_1: the layer would have more than 2,147,483,647 parameters"});
  CHECK(errors("input 1000x1000x3\nconv2d 1000000 1x1\n" + kHead) ==
        Lines{"2:1: conv2d_1: its output 1000x1000x1000000 has 1,000,000,000,000 values, more "
              "than the 33,554,431 the generated code can index at 64 lanes"});
  CHECK(errors("input 28x28x1\nconv2d 2000000 3\n" + kHead) ==
        Lines{"2:8: conv2d_1: the filter count 2000000 exceeds the limit of 1,000,000"});
  CHECK(errors("input 4x4x1\n" + kHead + "training\nlr 1e999\n").size() == 1);
  CHECK(errors("input 4x4x1\n" + kHead + "training\noptimizer sgd lr=1e999\n") ==
        Lines{"5:18: sgd lr must be a positive number, not 1e999"});
}

TEST_CASE("every error of a file is reported, in source order, without cascades") {
  const std::string text = "input 28x28x1\n"
                           "conv2d 10 5x\n"          // broken: its output is unknown
                           "maxpool 2 padding=sme\n" // not checked against it, but its values are
                           "conv2d 20 5x5 rleu\n"    // but its own values still are
                           "flatten\n"
                           "dense 100 relu params 5\n"
                           "dense 10 softmax\n"
                           "training\n"
                           "optimizer adam rho=1\n";
  CHECK(errors(text) ==
        Lines{"2:11: conv2d_1: malformed size '5x': expected whole numbers separated by 'x', such "
              "as 5x5 or 28x28x1",
              "3:19: max_pooling2d_1: unknown padding 'sme' (expected valid, same, a size P or "
              "PHxPW)",
              "4:15: conv2d_2: unknown activation 'rleu'; did you mean 'relu'?",
              "9:16: adam has no hyper-parameter 'rho' (it takes lr, beta1, beta2, epsilon); 'rho' "
              "belongs to rmsprop"});
}

TEST_CASE("files that do not exist, are folders or are not text are errors without a line") {
  const auto file_errors = [](const cnnc::CheckResult& result) {
    Lines lines;
    for (const auto& d : result.diagnostics)
      lines.push_back(std::to_string(d.span.line) + ": " + d.message);
    return lines;
  };
  CHECK(file_errors(cnnc::check_file("/no/such/model.cnn")) == Lines{"0: no such file"});
  CHECK(file_errors(cnnc::check_file(cnnc::test::source_path("models"))) ==
        Lines{"0: is a directory, not a model file"});
  CHECK(file_errors(cnnc::check_text("x.cnn", std::string("input 2x2x1\n\0", 13))) ==
        Lines{"0: is not a text file (a NUL byte at line 2, column 1)"});
  CHECK(file_errors(cnnc::check_text("x.cnn", "input 2x2x1\ndense \xff\n")) ==
        Lines{"0: is not a text file (invalid UTF-8 at line 2, column 7)"});
  CHECK(file_errors(cnnc::check_text("x.cnn", "dense \xC0\x80\n")) ==
        Lines{"0: is not a text file (invalid UTF-8 at line 1, column 7)"});
  CHECK(file_errors(cnnc::check_text("x.cnn", std::string(17 << 20, ' '))) ==
        Lines{"0: is too large to be a model file (over 16 MiB)"});
  CHECK_FALSE(cnnc::check_file("/no/such/model.cnn").model.has_value());
}

TEST_CASE("comments may hold any UTF-8 text; other characters are errors") {
  CHECK(errors("input 4x4x1 # größe\n" + kHead).empty());
  CHECK(errors("input 4x4x1\nflatten %\ndense 2 softmax\n") ==
        Lines{"2:9: flatten_1: unexpected '%'; flatten takes no values, only [name=ID]"});
}

TEST_CASE("model and layer names must be usable as C++ names") {
  CHECK(errors("model 3net\ninput 4x4x1\n" + kHead) ==
        Lines{"1:7: expected the model's name after 'model', not '3net'"});
  CHECK(errors("model class\ninput 4x4x1\n" + kHead) ==
        Lines{"1:7: 'class' is a C++ keyword; a model's name names its generated code"});
  CHECK(errors("model a\nmodel b\ninput 4x4x1\n" + kHead) ==
        Lines{"2:7: duplicate 'model' line", "  note 1:7: the model was first named here"});
  CHECK(errors("input 4x4x1\nflatten name=__x\ndense 10 softmax\n") ==
        Lines{"2:14: '__x' is reserved in C++ (it has '__' or starts with '_' and a capital); a "
              "layer's name names its weights in the generated code"});
  CHECK(errors("input 4x4x1\nflatten name=7\ndense 10 softmax\n") ==
        Lines{"2:14: flatten_1: a layer name is a word of letters, digits and '_' starting with a "
              "letter, not '7'"});
}

TEST_CASE("a model's name must not be a name of the C and C++ headers or of the runtime") {
  const std::string suffix = "; a model's name names its generated code";
  for (const char* name : {"NULL", "errno", "EOF", "stdout", "INFINITY", "linux"})
    CHECK(errors(fmt::format("model {}\ninput 4x4x1\n", name) + kHead) ==
          Lines{fmt::format("1:7: '{}' is a macro of the C or C++ headers the generated code is "
                            "compiled with{}",
                            name, suffix)});
  for (const char* name : {"std", "cnn", "fmt", "TensorInfo", "describe"})
    CHECK(errors(fmt::format("model {}\ninput 4x4x1\n", name) + kHead) ==
          Lines{fmt::format("1:7: '{}' is a name the runtime uses in namespace cnn{}", name,
                            suffix)});
  // Names only the generated code's locals use stay free for a namespace.
  for (const char* name : {"mnist", "model", "input", "output", "a", "Net"})
    CHECK(errors(fmt::format("model {}\ninput 4x4x1\n", name) + kHead).empty());
  // A file name that would give a taken name gets "_model", as a keyword's does.
  CHECK(cnnc::model_name_from_path("std.cnn") == "std_model");
  CHECK(cnnc::model_name_from_path("NULL.cnn") == "NULL_model");
  const auto from_file = cnnc::check_text("models/fmt.cnn", "input 4x4x1\n" + kHead);
  REQUIRE(from_file.model);
  CHECK(from_file.model->name == "fmt_model");
}

TEST_CASE("two layer names that give the same generated name are an error at the second") {
  CHECK(errors("input 4x4x1\nflatten\ndense 8\ndense 2 softmax name=dense1\n") ==
        Lines{"4:22: dense1: the generated code would use 'kDense1Kernel' for this layer and for "
              "layer dense_1; give one of them another name",
              "  note 3:1: dense_1 is here"});
  CHECK(errors("input 8x8x1\nconv2d 2 3x3 name=a_b\nconv2d 2 3x3 name=aB\nflatten\ndense 2 "
               "softmax\n") ==
        Lines{"3:19: aB: the generated code would use 'kABKernel' for this layer and for layer "
              "a_b; give one of them another name",
              "  note 2:19: a_b is here"});
  // A padded convolution's gradient buffer, and the output gradient of a layer named after it.
  CHECK(errors("input 8x8x1\nconv2d 2 3x3\nconv2d 2 3x3 padding=same name=a\nconv2d 2 3x3 "
               "name=a_padded\nflatten\ndense 2 softmax\n") ==
        Lines{"4:19: a_padded: the generated code would use 'a_padded_grad' for this layer and "
              "for layer a; give one of them another name",
              "  note 3:32: a is here"});
  // Batch normalization's stage functions, and the kernels of a layer named after them.
  CHECK(errors("input 4x4x1\nflatten\ndense 4 name=n\nbatchnorm name=b\ndense 4 "
               "name=b_finish\ndense 2 softmax\n") ==
        Lines{"5:14: b_finish: the generated code would use 'b_finish_forward' for this layer "
              "and for layer b; give one of them another name",
              "  note 4:16: b is here"});
  // Without a padding the convolution has no padded buffers: no clash.
  CHECK(errors("input 8x8x1\nconv2d 2 3x3\nconv2d 2 3x3 name=a\nconv2d 2 3x3 "
               "name=a_padded\nflatten\ndense 2 softmax\n")
            .empty());
}

TEST_CASE("a layer name must not give a name the generated code or the headers use") {
  CHECK(errors("input 4x4x1\nflatten\ndense 2 softmax name=output\n") ==
        Lines{"3:22: output: the generated code would use 'output_grad' for this layer, but "
              "'output_grad' is a name the generated code uses for its own purpose; give the "
              "layer another name"});
  // A name that merely starts like one of the generated code's is free.
  CHECK(errors("input 4x4x1\nflatten\ndense 2 name=forward\ndense 2 softmax\n").empty());
}

TEST_CASE("a workspace array beyond the int indexes of the generated code is an error") {
  // The output fits, the zero-padded copy of the input does not.
  CHECK(errors("input 4096x4095x2\nconv2d 1 3x3 padding=same\nmaxpool 8\nflatten\ndense 10 "
               "softmax\n") ==
        Lines{"2:1: conv2d_1: its workspace array conv2d_1_padded would hold 33,579,012 values "
              "per lane, more than the 33,554,431 the generated code can index at 64 lanes"});
  CHECK(errors("input 16384x16384x1\nmaxpool 64\nflatten\ndense 10 softmax\n") ==
        Lines{"1:7: the input 16384x16384x1 has 268,435,456 values, more than the 33,554,431 the "
              "generated code can index at 64 lanes"});
  CHECK(errors("input 4096x4096x2\nmaxpool 64\nflatten\ndense 10 softmax\n").empty() == false);
  CHECK(errors("input 4096x4096x1\nmaxpool 64\nflatten\ndense 10 softmax\n").empty());
}

TEST_CASE("bias, l2 and count_padding take their own kind of value, once") {
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 bias=no\n" + kHead) ==
        Lines{"2:20: conv2d_1: expected true or false after 'bias=', not 'no'"});
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 bias=false bias=true\n" + kHead) ==
        Lines{"2:26: conv2d_1: duplicate 'bias'", "  note 2:15: first given here"});
  CHECK(errors("input 28x28x1\nconv2d 10 5x5 l2=-0.1\n" + kHead) ==
        Lines{"2:18: conv2d_1: l2 must be from 0 to 1000000, not -0.1"});
  CHECK(errors("input 28x28x1\nflatten\ndense 10 softmax l2=big\n") ==
        Lines{"3:21: dense_1: expected a number after 'l2=', not 'big'"});
  CHECK(errors("input 28x28x1\navgpool 2 count_padding=1\n" + kHead) ==
        Lines{"2:25: average_pooling2d_1: expected true or false after 'count_padding=', not "
              "'1'"});
  CHECK(errors("input 28x28x1\nmaxpool 2 count_padding=true\n" + kHead) ==
        Lines{"2:11: max_pooling2d_1: unknown option 'count_padding' (a maxpool layer takes "
              "stride, padding, name)"});
}

TEST_CASE("a dropout rate outside [0, 1) is an error at the rate") {
  for (const std::string rate : {"1", "1.5", "-0.2"})
    CHECK(errors("input 4x4x1\ndropout " + rate + "\n" + kHead) ==
          Lines{"2:9: dropout_1: the rate is the fraction of values dropped, at least 0 and less "
                "than 1, not " +
                rate});
  CHECK(errors("input 4x4x1\ndropout\n" + kHead) ==
        Lines{"2:1: dropout_1: missing the rate, such as 'dropout 0.5'"});
  CHECK(errors("input 4x4x1\ndropout 0\n" + kHead).empty());
}

TEST_CASE("dropout and batchnorm as the last layer are errors that say why") {
  CHECK(errors("input 4x4x1\nflatten\ndense 2\ndropout 0.5\ntraining\nloss mse\n") ==
        Lines{"4:1: dropout_1: dropout cannot be the last layer: it would drop outputs of the "
              "model; put it before a layer with weights"});
  CHECK(errors("input 4x4x1\nflatten\ndense 2\nbatchnorm\ntraining\nloss mse\n") ==
        Lines{"4:1: batch_normalization_1: batchnorm cannot be the last layer: the model's output "
              "would be normalized over each batch; put it before the output layer"});
}

TEST_CASE("batchnorm momentum outside [0, 1] and epsilon not in (0, 1] are errors at the value") {
  CHECK(errors("input 4x4x1\nbatchnorm momentum=1.5\n" + kHead) ==
        Lines{"2:20: batch_normalization_1: momentum must be from 0 to 1, not 1.5"});
  CHECK(errors("input 4x4x1\nbatchnorm epsilon=0 momentum=-0.1\n" + kHead) ==
        Lines{"2:19: batch_normalization_1: epsilon must be greater than 0 and at most 1, not 0",
              "2:30: batch_normalization_1: momentum must be from 0 to 1, not -0.1"});
  CHECK(errors("input 4x4x1\nbatchnorm momentum=0 epsilon=1\nflatten\ndense 4\nbatchnorm "
               "name=bn\ndense 2 softmax\n")
            .empty());
}
