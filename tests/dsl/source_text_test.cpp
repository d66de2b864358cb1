// What a file's text may hold beyond the language: a byte-order mark, terminal escape bytes,
// huge words; and how one unknown statement is reported alone.
#include <catch2/catch.hpp>

#include <string>

#include "support.hpp"

using Catch::Matchers::Contains;
using cnnc::test::check;
using cnnc::test::errors;
using cnnc::test::printed;

namespace {

const std::string kLayers = "conv2d 4 3x3\nflatten\ndense 10 softmax\n";

} // namespace

TEST_CASE("a UTF-8 byte-order mark at the start of the file is not part of the text") {
  const auto result = check("\xEF\xBB\xBFinput 28x28x1\n" + kLayers);
  CHECK(result.diagnostics.empty());
  REQUIRE(result.model);
  CHECK(result.model->input.height == 28);
  // Columns are counted without it, as editors count them.
  CHECK(errors("\xEF\xBB\xBFinput 28x28x1 scale=0\n" + kLayers).front().starts_with("1:21:"));
  // Elsewhere it is still an invalid character.
  CHECK_FALSE(errors("input 28x28x1\n\xEF\xBB\xBF" + kLayers).empty());
}

TEST_CASE("a misspelt input line gives one error, not also a missing input") {
  CHECK(errors("inptu 28x28x1\n" + kLayers) ==
        std::vector<std::string>{"1:1: unknown statement 'inptu'; did you mean 'input'?"});
  CHECK(errors("size 28x28x1\n" + kLayers) ==
        std::vector<std::string>{"1:1: unknown statement 'size'"});
}

TEST_CASE("a misspelt training line gives one error, not one per setting after it") {
  CHECK(
      errors("input 28x28x1\n" + kLayers + "trainig\nloss categorical_crossentropy\nbatch 32\n") ==
      std::vector<std::string>{"5:1: unknown statement 'trainig'; did you mean 'training'?"});
}

TEST_CASE("a misspelt layer gives one error, not a shape error in the layers after it") {
  CHECK(errors("input 28x28x1\nconv2d 4 3x3\nflaten\ndense 10 softmax\n") ==
        std::vector<std::string>{"3:1: unknown statement 'flaten'; did you mean 'flatten'?"});
  // A misspelt last layer: the loss is not checked against the layer before it.
  CHECK(errors("input 28x28x1\nconv2d 4 3x3\nflatten\ndens 10 softmax\n") ==
        std::vector<std::string>{"4:1: unknown statement 'dens'; did you mean 'dense'?"});
  // Layers before the unknown statement are still checked.
  CHECK(errors("input 28x28x1\nconv2d 4 30x30\nflaten\ndense 10 softmax\n") ==
        std::vector<std::string>{
            "2:10: conv2d_1: kernel 30x30 does not fit its 28x28x1 input (padding valid)",
            "  note 1:1: the model's input is 28x28x1",
            "3:1: unknown statement 'flaten'; did you mean 'flatten'?"});
}

TEST_CASE("a huge unknown word is shown cut, not whole") {
  const std::string word(1 << 20, 'a');
  const auto result = check("input 28x28x1\n" + word + " 3\n" + kLayers);
  REQUIRE(result.diagnostics.size() == 1);
  const std::string text = printed(result);
  CHECK(text.size() < 1000);
  CHECK_THAT(text, Contains("unknown statement '" + std::string(60, 'a') + "...'"));
}

TEST_CASE("control bytes of the file reach the terminal escaped, with the caret under them") {
  const auto result = check("input 28x28x1\n\x1b[2J\n" + kLayers);
  const std::string text = printed(result);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK_THAT(text, Contains("not '\\x1b'\n\\x1b[2J\n^~~~\n"));
  // In a comment and a class name too; the caret stays under its word.
  const auto comment = check("input 28x28x1 scale=0 # \x1b]0;title\x07\n" + kLayers);
  const std::string comment_text = printed(comment);
  CHECK(comment_text.find('\x1b') == std::string::npos);
  CHECK(comment_text.find('\x07') == std::string::npos);
  CHECK_THAT(comment_text, Contains("# \\x1b]0;title\\x07\n"));
  const std::string string_text = printed(check("input 28x28x1\nconv2d 4 3x3 \"\x1b[1m\"\n"));
  CHECK_THAT(string_text, Contains("unexpected '\"\\x1b[1m\"'"));
  CHECK_THAT(string_text, Contains("\nconv2d 4 3x3 \"\\x1b[1m\"\n             ^~~~~~~~~\n"));
  // C1 controls (U+0080 to U+009F) are escapes to a terminal too.
  const std::string c1 = printed(check("input 28x28x1\n\xC2\x9B"
                                       "2J\n" +
                                       kLayers));
  CHECK(c1.find("\xC2\x9B") == std::string::npos);
  CHECK_THAT(c1, Contains("\\xc2\\x9b2J"));
}

TEST_CASE("the summary shows the control bytes of a file's name escaped") {
  const auto result = cnnc::check_text("runs/\x1b]0;x\x07.cnn", "input 28x28x1\n" + kLayers);
  REQUIRE(result.model);
  const std::string summary = cnnc::format_summary(*result.model);
  CHECK(summary.find('\x1b') == std::string::npos);
  CHECK_THAT(summary, Contains("(runs/\\x1b]0;x\\x07.cnn)"));
}

TEST_CASE("a misspelt statement before the input or of another kind leaves the layers checked") {
  // A misspelt model line: the layers after the input are still checked against it.
  CHECK(errors("modle x\ninput 28x28x1\nconv2d 4 30x30\nflatten\ndense 10 softmax\n") ==
        std::vector<std::string>{
            "1:1: unknown statement 'modle'; did you mean 'model'?",
            "3:10: conv2d_1: kernel 30x30 does not fit its 28x28x1 input (padding valid)",
            "  note 2:1: the model's input is 28x28x1"});
  // A misspelt classes line between the input and the layers.
  CHECK(errors("input 28x28x1\nclases a b\nconv2d 4 30x30\nflatten\ndense 10 softmax\n").size() ==
        3);
}
