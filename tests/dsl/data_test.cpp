// The statements about the data: the input line's preprocessing (scale, mean, std) and the
// classes line, as parsed, as checked into the Model, their errors and their summary lines.
#include <catch2/catch.hpp>

#include "dsl/parser.hpp"
#include "support.hpp"

using cnnc::test::check;
using cnnc::test::errors;
using Lines = std::vector<std::string>;

namespace {

const std::string kHead = "flatten\ndense 10 softmax\n";

cnnc::Model checked(const std::string& text) {
  const cnnc::CheckResult result = check(text);
  INFO(cnnc::test::printed(result));
  REQUIRE(result.model.has_value());
  return *result.model;
}

cnnc::ast::Program parsed(const std::string& text) {
  std::vector<cnnc::Diagnostic> diagnostics;
  cnnc::ast::Program program = cnnc::parse(cnnc::lex(text), diagnostics);
  REQUIRE(diagnostics.empty());
  return program;
}

} // namespace

// --- input preprocessing ---

TEST_CASE("the input line's options are read as lists with their spans") {
  const auto program = parsed("input 32x32x3 scale=2 mean=0.4914,0.4822, 0.4465 std=0.25\n");
  CHECK(program.input->sizes == std::vector<std::int64_t>{32, 32, 3});
  const auto& preprocessing = program.preprocessing;
  REQUIRE(preprocessing.scale);
  CHECK(preprocessing.scale->values.size() == 1);
  REQUIRE(preprocessing.mean);
  REQUIRE(preprocessing.mean->values.size() == 3);
  CHECK(preprocessing.mean->values[2].value == Approx(0.4465));
  CHECK(preprocessing.mean->span == cnnc::Span{1, 28, 21});
  REQUIRE(preprocessing.stddev);
  CHECK(preprocessing.stddev->values[0].text == "0.25");
}

TEST_CASE("without options the input is fed as stored: scale 1, mean 0, std 1 per channel") {
  const cnnc::Model model = checked("input 32x32x3\n" + kHead);
  CHECK(model.preprocessing.scale == 1.0);
  CHECK(model.preprocessing.mean == std::vector<double>{0, 0, 0});
  CHECK(model.preprocessing.stddev == std::vector<double>{1, 1, 1});
  CHECK(cnnc::is_identity(model.preprocessing));
  CHECK(cnnc::format_summary(model).find("Preprocessing:") == std::string::npos);
}

TEST_CASE("one mean or std serves every channel; a list gives one per channel") {
  const cnnc::Model model =
      checked("input 32x32x3 mean=0.4914,0.4822,0.4465 std=0.5 scale=255\n" + kHead);
  CHECK(model.preprocessing.scale == 255.0);
  CHECK(model.preprocessing.mean == std::vector<double>{0.4914, 0.4822, 0.4465});
  CHECK(model.preprocessing.stddev == std::vector<double>{0.5, 0.5, 0.5});
  CHECK_FALSE(cnnc::is_identity(model.preprocessing));
  const cnnc::Model grey = checked("input 28x28x1 mean=0.1307 std=0.3081\n" + kHead);
  CHECK(grey.preprocessing.mean == std::vector<double>{0.1307});
  CHECK(grey.preprocessing.stddev == std::vector<double>{0.3081});
}

TEST_CASE("the summary shows non-default preprocessing in one line under the input") {
  const std::string summary =
      cnnc::format_summary(checked("input 32x32x3 mean=0.4914,0.4822,0.4465 std=0.5\n" + kHead));
  CHECK(summary.find("Input: (None, 32, 32, 3)\nPreprocessing: scale=1 "
                     "mean=0.4914,0.4822,0.4465 std=0.5\nTraining:\n") != std::string::npos);
}

TEST_CASE("a std that is not positive is an error at the number") {
  CHECK(errors("input 4x4x3 std=0.2,0,0.2\n" + kHead) ==
        Lines{"1:21: input std must be positive, not 0"});
  CHECK(errors("input 4x4x1 std=-0.5\n" + kHead) ==
        Lines{"1:17: input std must be positive, not -0.5"});
  CHECK(errors("input 4x4x1 std=1e-400\n" + kHead) ==
        Lines{"1:17: input std must be positive, not 1e-400"});
}

TEST_CASE("numbers that are not finite or too large are errors") {
  CHECK(errors("input 4x4x1 mean=1e999\n" + kHead) ==
        Lines{"1:18: input mean 1e999 is out of range: expected a finite number from -1,000,000 "
              "to 1,000,000"});
  CHECK(errors("input 4x4x1 scale=-2e6\n" + kHead) ==
        Lines{"1:19: input scale -2e6 is out of range: expected a finite number from -1,000,000 "
              "to 1,000,000"});
  CHECK(errors("input 4x4x1 std=1e999\n" + kHead) ==
        Lines{"1:17: input std 1e999 is out of range: expected a finite number from -1,000,000 to "
              "1,000,000"});
}

TEST_CASE("scale 0 and a list of scales are errors") {
  CHECK(
      errors("input 4x4x1 scale=0\n" + kHead) ==
      Lines{"1:19: input scale cannot be 0 (every stored value would be fed as the same number)"});
  CHECK(errors("input 4x4x1 scale=1,2\n" + kHead) ==
        Lines{"1:19: input scale is one number, not a list of 2"});
  CHECK(errors("input 4x4x1 scale=-1\n" + kHead).empty());
}

TEST_CASE("a list whose length is neither 1 nor the channel count names both") {
  CHECK(errors("input 32x32x3 mean=0.5,0.5\n" + kHead) ==
        Lines{"1:20: input mean has 2 values, but the input 32x32x3 has 3 channels; give one value "
              "for every channel or one per channel"});
  CHECK(errors("input 28x28x1 std=0.3,0.3,0.3\n" + kHead) ==
        Lines{"1:19: input std has 3 values, but the input 28x28x1 has 1 channel; give one value "
              "for every channel or one per channel"});
  // An input shape that is wrong leaves the channels unknown: no second error about the list.
  CHECK(errors("input 32x32 mean=0.5,0.5\n" + kHead) ==
        Lines{"1:7: the input shape is HxWxC (three sizes, such as 28x28x1), not '32x32'"});
}

TEST_CASE("duplicate and unknown input options are errors, with a suggestion") {
  CHECK(errors("input 4x4x1 mean=0.5 std=0.2 mean=0.1\n" + kHead) ==
        Lines{"1:30: duplicate 'mean'", "  note 1:18: first given here"});
  CHECK(errors("input 4x4x1 stddev=0.2\n" + kHead) ==
        Lines{"1:13: unknown option 'stddev' (an input line takes scale, mean, std); did you "
              "mean 'std'?"});
  CHECK(errors("input 4x4x1 means=0.2\n" + kHead) ==
        Lines{"1:13: unknown option 'means' (an input line takes scale, mean, std); did you "
              "mean 'mean'?"});
  CHECK(errors("input 4x4x1 color=rgb\n" + kHead) ==
        Lines{"1:13: unknown option 'color' (an input line takes scale, mean, std)"});
}

TEST_CASE("malformed option values and lists are errors at the value") {
  CHECK(errors("input 4x4x1 mean\n" + kHead) ==
        Lines{"1:17: expected '=' after 'mean', such as mean=0.5"});
  CHECK(errors("input 4x4x1 mean=\n" + kHead) == Lines{"1:18: missing the value of 'mean'"});
  CHECK(errors("input 4x4x1 mean=abc\n" + kHead) ==
        Lines{"1:18: expected a number for 'mean', such as mean=0.5 or mean=0.49,0.48,0.45, not "
              "'abc'"});
  CHECK(errors("input 4x4x3 mean=0.5,\n" + kHead) ==
        Lines{"1:22: missing a number after ',' in 'mean'"});
  CHECK(errors("input 4x4x3 mean=0.5,,0.5\n" + kHead) ==
        Lines{"1:22: expected a number after ',' for 'mean', such as mean=0.5 or "
              "mean=0.49,0.48,0.45, not ','"});
  CHECK(errors("input 4x4x1 std=2x2\n" + kHead) ==
        Lines{"1:17: expected a number, not the size '2x2'"});
  CHECK(errors("input 4x4x1 extra\n" + kHead) ==
        Lines{"1:13: unexpected 'extra' after the input shape; input takes HxWxC [scale=S] "
              "[mean=M|M1,M2,...] [std=S|S1,S2,...]"});
}

TEST_CASE("a bad input option leaves the shape standing: the layers are still checked") {
  CHECK(errors("input 4x4x1 std=0\nconv2d 1 5\n" + kHead) ==
        Lines{"1:17: input std must be positive, not 0",
              "2:10: conv2d_1: kernel 5x5 does not fit its 4x4x1 input (padding valid)",
              "  note 1:1: the model's input is 4x4x1"});
}

// --- class names ---

TEST_CASE("a classes line reads words and quoted strings, without the quotes") {
  const auto program = parsed("classes airplane \"T-shirt/top\" _9 \"Ankle boot\"\n");
  REQUIRE(program.classes);
  std::vector<std::string> names;
  for (const auto& name : program.classes->names) names.push_back(name.text);
  CHECK(names == std::vector<std::string>{"airplane", "T-shirt/top", "_9", "Ankle boot"});
  CHECK(program.classes->names[1].span == cnnc::Span{1, 18, 13});
  CHECK(program.classes->names_span == cnnc::Span{1, 9, 38});
}

TEST_CASE("a softmax classifier names one class per output, anywhere in the file") {
  const cnnc::Model model = checked("input 4x4x1\nclasses cat dog \"hot dog\"\nflatten\n"
                                    "dense 3 softmax\n");
  CHECK(model.class_names == std::vector<std::string>{"cat", "dog", "hot dog"});
  CHECK(model.class_count() == 3);
  const cnnc::Model after = checked("input 4x4x1\nflatten\ndense 2 softmax\ntraining\n"
                                    "epochs 2\nclasses no yes\n");
  CHECK(after.class_names == std::vector<std::string>{"no", "yes"});
}

TEST_CASE("a single sigmoid output with binary cross-entropy has two classes") {
  const std::string body = "input 4x4x1\nflatten\ndense 1 sigmoid\ntraining\n"
                           "loss binary_crossentropy\n";
  const cnnc::Model model = checked("classes cat dog\n" + body);
  CHECK(model.class_count() == 2);
  CHECK(model.class_names == std::vector<std::string>{"cat", "dog"});
  CHECK(errors("classes cat\n" + body) ==
        Lines{"1:9: 'classes' lists 1 name, but the model has 2 classes (a single output with "
              "binary_crossentropy tells class 0 from class 1)",
              "  note 4:1: dense_1 is the last layer"});
}

TEST_CASE("several sigmoid outputs with binary cross-entropy have one class each") {
  const cnnc::Model model = checked("input 4x4x1\nflatten\ndense 3 sigmoid\nclasses a b c\n"
                                    "training\nloss binary_crossentropy\n");
  CHECK(model.class_count() == 3);
}

TEST_CASE("a model that is not a classifier has no classes, and may not name them") {
  const std::string body = "input 4x4x1\nflatten\ndense 2\ntraining\nloss mse\n";
  CHECK(checked(body).class_count() == 0);
  CHECK(errors("classes a b\n" + body) ==
        Lines{"1:1: 'classes' names the classes of a classifier, but loss mse makes a model of "
              "real-valued outputs (a classifier's loss is categorical_crossentropy or "
              "binary_crossentropy)",
              "  note 6:1: the loss is set here"});
}

TEST_CASE("the class count must match the output") {
  CHECK(errors("input 4x4x1\nflatten\ndense 3 softmax\nclasses cat dog\n") ==
        Lines{"4:9: 'classes' lists 2 names, but the model has 3 classes (one per output of "
              "dense_1)",
              "  note 3:1: dense_1 is the last layer"});
}

TEST_CASE("duplicate class names and duplicate classes lines are errors") {
  CHECK(errors("input 4x4x1\nflatten\ndense 3 softmax\nclasses cat dog cat\n") ==
        Lines{"4:17: duplicate class name 'cat'", "  note 4:9: first named here"});
  CHECK(errors("input 4x4x1\nflatten\ndense 2 softmax\nclasses \"a b\" \"a b\"\n") ==
        Lines{"4:15: duplicate class name 'a b'", "  note 4:9: first named here"});
  CHECK(errors("input 4x4x1\nflatten\ndense 2 softmax\nclasses a b\nclasses c d\n") ==
        Lines{"5:1: duplicate 'classes' line", "  note 4:1: the classes were first named here"});
}

TEST_CASE("class names that are numbers, empty, unterminated or odd are errors") {
  const std::string body = "input 4x4x1\nflatten\ndense 2 softmax\n";
  CHECK(errors(body + "classes 0 1\n") ==
        Lines{"4:9: a class name is a word or a quoted string, not the number '0'; quote it: "
              "\"0\""});
  CHECK(errors(body + "classes\n") ==
        Lines{"4:1: expected the class names after 'classes', such as 'classes cat dog' or "
              "'classes \"T-shirt/top\" trouser'"});
  CHECK(errors(body + "classes a \"b\n") ==
        Lines{"4:11: unterminated string: a quoted class name ends with '\"' on the same line"});
  CHECK(errors(body + "classes a \"\"\n") == Lines{"4:11: a class name cannot be empty"});
  CHECK(errors(body + "classes a \"b\tc\"\n") ==
        Lines{"4:11: a class name cannot hold a tab or another control character"});
  CHECK(errors(body + "classes a \"b \"\n") ==
        Lines{"4:11: the class name \"b \" starts or ends with a space"});
  CHECK(errors(body + "classes a b=c\n") ==
        Lines{"4:12: a class name is a word or a quoted string, not '='"});
}

TEST_CASE("class names are not checked against a loss or an output that is unknown") {
  CHECK(errors("input 4x4x1\nflatten\ndense 2 softmax\nclasses a b c\ntraining\nloss msee\n") ==
        Lines{"6:6: unknown loss 'msee'; did you mean 'mse'?"});
  CHECK(errors("input 4x4x1\nflatten\ndense 2x softmax\nclasses a b c\n") ==
        Lines{"3:7: dense_1: expected a number, not the size '2x'"});
}

TEST_CASE("the summary lists declared class names, quoting those that are not words") {
  const std::string summary = cnnc::format_summary(
      checked("input 4x4x1\nflatten\ndense 3 softmax\nclasses cat \"hot dog\" _2\n"));
  CHECK(summary.find("Input: (None, 4, 4, 1)\nClasses: cat \"hot dog\" _2\nTraining:\n") !=
        std::string::npos);
  CHECK(cnnc::format_summary(checked("input 4x4x1\n" + kHead)).find("Classes:") ==
        std::string::npos);
}

TEST_CASE("golden: the summary of a model with preprocessing and class names") {
  const std::string relative = "tests/dsl/data/cifar_classes.cnn";
  const cnnc::CheckResult result =
      cnnc::check_text(relative, cnnc::test::read_file(cnnc::test::source_path(relative)));
  INFO(cnnc::test::printed(result));
  REQUIRE(result.model.has_value());
  const std::string mismatch =
      cnnc::test::golden_mismatch("summary/cifar_classes.txt", cnnc::format_summary(*result.model));
  INFO(mismatch);
  CHECK(mismatch.empty());
}
