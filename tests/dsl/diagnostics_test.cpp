// How diagnostics print: clang's form, carets under the span, notes, counts, colors; and golden
// files of whole outputs for files with several errors.
#include <catch2/catch.hpp>

#include <fmt/core.h>

#include "support.hpp"

using namespace cnnc;
using cnnc::test::check;
using cnnc::test::printed;

TEST_CASE("an error prints its place, the source line and a caret with tildes under the span") {
  CHECK(printed(check("input 28x28x1\nmaxpol 2\nflatten\ndense 10 softmax\n")) ==
        "test.cnn:2:1: error: unknown statement 'maxpol'; did you mean 'maxpool'?\n"
        "maxpol 2\n"
        "^~~~~~\n"
        "1 error generated.\n");
}

TEST_CASE("notes print after their error with their own line and caret") {
  CHECK(printed(check("input 4x4x1\nflatten\nflatten\ndense 2 softmax\n")) ==
        "test.cnn:3:1: error: flatten_2: its input is already the vector 16; flatten needs an "
        "image (HxWxC)\n"
        "flatten\n"
        "^~~~~~~\n"
        "test.cnn:2:1: note: the 16 input comes from flatten_1\n"
        "flatten\n"
        "^~~~~~~\n"
        "1 error generated.\n");
}

TEST_CASE("tabs before the span stay tabs so the caret lines up") {
  CHECK(printed(check("input 28x28x1\n\tconv2d\t10 5x\nflatten\ndense 10 softmax\n")) ==
        "test.cnn:2:12: error: conv2d_1: malformed size '5x': expected whole numbers separated "
        "by 'x', such as 5x5 or 28x28x1\n"
        "\tconv2d\t10 5x\n"
        "\t      \t   ^~\n"
        "1 error generated.\n");
}

TEST_CASE("file errors print the path without a line") {
  CHECK(printed(check_file("/no/such/dir/model.cnn")) ==
        "/no/such/dir/model.cnn: error: no such file\n1 error generated.\n");
}

TEST_CASE("several errors are counted in the last line") {
  const std::string out = printed(check("input 28x28x1\nfoo\nbar\nflatten\ndense 10 softmax\n"));
  CHECK(out.substr(out.rfind("2 errors generated.")) == "2 errors generated.\n");
}

TEST_CASE("a clean file prints nothing") {
  CHECK(printed(check("input 28x28x1\nflatten\ndense 10 softmax\n")).empty());
}

TEST_CASE("colors wrap the location, the kind and the caret") {
  std::ostringstream out;
  print_diagnostics(out, check("input 28x28x1\nfoo\n"), true);
  CHECK(out.str().find("\033[1mtest.cnn:2:1: \033[1;31merror:\033[0m") != std::string::npos);
  CHECK(out.str().find("\033[1;32m^~~\033[0m") != std::string::npos);
}

TEST_CASE("an error at the end of a line puts its caret just past the text") {
  CHECK(printed(check("input 28x28x1\nconv2d 10 5x5 padding=\nflatten\ndense 10 softmax\n")) ==
        "test.cnn:2:23: error: conv2d_1: missing the value of 'padding'\n"
        "conv2d 10 5x5 padding=\n"
        "                      ^\n"
        "1 error generated.\n");
}

TEST_CASE("golden: the full diagnostics of files with several errors") {
  for (const std::string name : {"several_errors", "shape_chain", "data_errors"}) {
    const std::string relative = "tests/dsl/data/" + name + ".cnn";
    const CheckResult result = check_text(relative, test::read_file(test::source_path(relative)));
    CHECK_FALSE(result.model.has_value());
    const std::string mismatch =
        test::golden_mismatch("diagnostics/" + name + ".txt", printed(result));
    INFO(mismatch);
    CHECK(mismatch.empty());
  }
}

TEST_CASE("source lines are found by number, without their line end") {
  const SourceFile source{"x.cnn", "first\r\nsecond\n\nfourth"};
  CHECK(source.line_text(1) == "first");
  CHECK(source.line_text(2) == "second");
  CHECK(source.line_text(3).empty());
  CHECK(source.line_text(4) == "fourth");
  CHECK(source.line_text(5).empty());
  CHECK(source.line_text(0).empty());
}

TEST_CASE("a long line is shown as a window around the span") {
  const std::string letters(300, 'a');
  // An error at column 1 of a 302-byte line: the first 160 bytes, then "...".
  const std::string head = printed(check("input 4x4x1\n" + letters + " x\n"));
  CHECK(head.find(fmt::format("\n{}...\n^{}\n", std::string(160, 'a'), std::string(159, '~'))) !=
        std::string::npos);
  // An error near the end: 60 bytes before it, after "...".
  const std::string tail =
      printed(check("input 4x4x1\nflatten name=" + letters + " %\ndense 2 softmax\n"));
  CHECK(tail.find(fmt::format("\n...{} %\n{}^\n", std::string(59, 'a'), std::string(63, ' '))) !=
        std::string::npos);
}
