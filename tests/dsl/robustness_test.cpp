// cnnc check must never crash or hang: every prefix of every example model, thousands of
// random mutations of them, and a few absurd inputs either check clean or give errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <sstream>

#include "support.hpp"

using namespace cnnc;

namespace {

// Returns a description of what is wrong with the result for `text`, or "" when it is sane:
// a model exactly when there is no error, every location inside the text, every message set.
std::string insanity(const std::string& text) {
  const CheckResult result = check_text("fuzz.cnn", text);
  const bool has_error =
      std::any_of(result.diagnostics.begin(), result.diagnostics.end(),
                  [](const Diagnostic& d) { return d.severity == Severity::Error; });
  if (has_error == result.model.has_value()) return "a model and errors disagree";
  const int lines = int(std::count(text.begin(), text.end(), '\n')) + 1;
  const auto bad_span = [&](Span span) {
    return span.line < 0 || span.line > lines || (span.line > 0 && span.column < 1);
  };
  for (const auto& diagnostic : result.diagnostics) {
    if (diagnostic.message.empty()) return "an empty message";
    if (bad_span(diagnostic.span)) return "a span outside the text: " + diagnostic.message;
    for (const auto& note : diagnostic.notes) {
      if (bad_span(note.span)) return "a note outside the text: " + note.message;
    }
  }
  const std::string out = test::printed(result);
  if (has_error != !out.empty()) return "printed output does not match the errors";
  if (result.model) {
    const std::string summary = format_summary(*result.model);
    if (summary.find("Total params: ") == std::string::npos) return "a summary without totals";
  }
  return "";
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

std::string mutate(const std::string& text, std::mt19937& random) {
  const auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(random);
  };
  std::string result = text;
  std::vector<std::string> lines = split_lines(text);
  static const char* const kValues[] = {"0",
                                        "-1",
                                        "1e400",
                                        "99999999999999999999",
                                        "5x",
                                        "x",
                                        "1000000x1000000x3",
                                        "=",
                                        "->",
                                        "(",
                                        ")",
                                        "softmax",
                                        "flatten",
                                        "dense 1",
                                        "same",
                                        "0.5",
                                        "\t",
                                        "#",
                                        ",",
                                        "\"",
                                        "\"a b\"",
                                        "mean=0.5,0.25",
                                        "std=0",
                                        "classes a b"};
  switch (pick(7)) {
  case 0: // one byte replaced: mostly printable, sometimes anything
    if (!result.empty()) {
      const char byte = pick(5) == 0 ? char(pick(256)) : char(' ' + pick(95));
      result[pick(result.size())] = byte;
    }
    return result;
  case 1: // a byte inserted
    result.insert(result.begin() + std::ptrdiff_t(pick(result.size() + 1)), char(' ' + pick(95)));
    return result;
  case 2: // a line deleted
    if (!lines.empty()) lines.erase(lines.begin() + std::ptrdiff_t(pick(lines.size())));
    return join_lines(lines);
  case 3: // a line duplicated
    if (!lines.empty()) {
      const std::size_t at = pick(lines.size());
      lines.insert(lines.begin() + std::ptrdiff_t(at), lines[at]);
    }
    return join_lines(lines);
  case 4: // two lines swapped
    if (lines.size() > 1) std::swap(lines[pick(lines.size())], lines[pick(lines.size())]);
    return join_lines(lines);
  case 5: { // a word replaced by an awkward value
    const std::size_t at = pick(result.size() + 1);
    const std::size_t end = std::min(result.size(), result.find_first_of(" \n", at));
    const char* value = kValues[pick(std::size(kValues))];
    return result.substr(0, at) + value + result.substr(std::min(end, result.size()));
  }
  default: { // a range of bytes deleted
    if (result.empty()) return result;
    const std::size_t at = pick(result.size());
    return result.erase(at, pick(20) + 1);
  }
  }
}

} // namespace

TEST_CASE("every truncated prefix of every example model checks without crashing") {
  std::size_t checked = 0;
  for (const auto& file : test::model_files()) {
    const std::string text = test::read_file(test::source_path(file));
    for (std::size_t length = 0; length <= text.size(); ++length) {
      const std::string problem = insanity(text.substr(0, length));
      INFO(file << " cut at byte " << length);
      if (!problem.empty()) FAIL(problem);
      ++checked;
    }
  }
  CHECK(checked > 1000);
}

TEST_CASE("thousands of random mutations of the example models never crash") {
  std::mt19937 random(20261127);
  const auto files = test::model_files();
  std::vector<std::string> texts;
  for (const auto& file : files) texts.push_back(test::read_file(test::source_path(file)));
  int clean = 0, with_errors = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string text = texts[std::size_t(round) % texts.size()];
    const int mutations = 1 + int(random() % 3);
    for (int i = 0; i < mutations; ++i) text = mutate(text, random);
    const std::string problem = insanity(text);
    INFO("round " << round << ":\n" << text);
    if (!problem.empty()) FAIL(problem);
    (check_text("fuzz.cnn", text).model ? clean : with_errors) += 1;
  }
  // Both outcomes happen: the mutations are neither all harmless nor all fatal.
  CHECK(clean > 100);
  CHECK(with_errors > 1000);
}

TEST_CASE("absurd inputs end quickly with errors instead of crashing") {
  CHECK(insanity(std::string(1 << 20, 'a')).empty()); // one huge word
  CHECK(insanity(std::string(1 << 20, '9')).empty()); // one huge number
  CHECK(insanity("input " + std::string(100000, '9') + "x1x1\n").empty());
  CHECK(insanity(std::string(1 << 18, '\n')).empty());
  CHECK(insanity(std::string(1 << 18, '(')).empty());
  std::string many_layers = "input 4x4x1\nflatten\n";
  for (int i = 0; i < 20000; ++i) many_layers += "dense 3 relu\n";
  many_layers += "dense 2 softmax\n";
  const CheckResult result = check_text("many.cnn", many_layers);
  REQUIRE(result.model.has_value());
  CHECK(result.model->layers.size() == 20002);
  CHECK(result.model->layers.back().name == "dense_20001");
  std::string many_keys = "input 4x4x1\nflatten\ndense 2 softmax\ntraining\noptimizer adam";
  for (int i = 0; i < 20000; ++i) many_keys += " k" + std::to_string(i) + "=1";
  CHECK(insanity(many_keys + "\n").empty());
  std::string many_options = "input 4x4x1\nflatten";
  for (int i = 0; i < 20000; ++i) many_options += " -> 16";
  CHECK(insanity(many_options + "\ndense 2 softmax\n").empty());
  std::string many_values = "input 4x4x1 mean=0";
  for (int i = 0; i < 20000; ++i) many_values += ",0.5";
  CHECK(insanity(many_values + "\n" + "flatten\ndense 2 softmax\n").empty());
  std::string many_classes = "input 4x4x1\nflatten\ndense 20000 softmax\nclasses";
  for (int i = 0; i < 20000; ++i) many_classes += " \"c " + std::to_string(i) + "\"";
  const CheckResult classes = check_text("classes.cnn", many_classes + "\n");
  REQUIRE(classes.model.has_value());
  CHECK(classes.model->class_names.size() == 20000);
  CHECK(insanity(many_classes + " \"c 7\"\n").empty());
  std::string many_errors = "input 4x4x1\n";
  for (int i = 0; i < 20000; ++i) many_errors += "conv2d 1 9x9 name=x\n";
  CHECK(insanity(many_errors).empty());
  CHECK(check_text("e.cnn", many_errors).diagnostics.size() > 20000);
}
