// The layer kinds' descriptors: each is complete, its statement parses with its own example,
// and docs/language.md's layer table lists it with exactly the options it takes.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>

#include <fmt/core.h>

#include "layers/layer_type.hpp"
#include "support.hpp"

namespace cnnc {
namespace {

// The cells of a Markdown table row: "| a | b |" -> {"a", "b"}.
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> result;
  std::string cell;
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] != '|') {
      cell += line[i];
      continue;
    }
    const auto first = cell.find_first_not_of(' ');
    const auto last = cell.find_last_not_of(' ');
    result.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
    cell.clear();
  }
  return result;
}

// "`stride`, `padding`, `name`" -> {"stride", "padding", "name"}
std::set<std::string> backquoted(const std::string& text) {
  std::set<std::string> words;
  for (std::size_t at = text.find('`'); at != std::string::npos; at = text.find('`', at)) {
    const auto end = text.find('`', at + 1);
    if (end == std::string::npos) break;
    words.insert(text.substr(at + 1, end - at - 1));
    at = end + 1;
  }
  return words;
}

} // namespace

TEST_CASE("layer kinds: every descriptor is complete and its example checks") {
  std::set<std::string_view> keywords;
  for (const LayerType* type : layer_types()) {
    INFO(type->keyword);
    CHECK(keywords.insert(type->keyword).second);
    CHECK(layer_type_named(type->keyword) == type);
    CHECK(!type->keras_name.empty());
    CHECK(!type->default_name.empty());
    CHECK(type->shape);
    CHECK(type->tensors);
    CHECK(type->extra_buffers);
    CHECK(type->forward);
    CHECK(type->backward);
    CHECK(type->cost);
    CHECK(type->describe);
    // The example fits an image input (followed by flatten, unless it flattens), or a vector.
    const auto on_image =
        test::errors(fmt::format("input 8x8x2\n{}\nflatten\ndense 3 softmax\n", type->example));
    const auto flattening =
        test::errors(fmt::format("input 8x8x2\n{}\ndense 3 softmax\n", type->example));
    const auto on_vector =
        test::errors(fmt::format("input 8x8x2\nflatten\n{}\ndense 3 softmax\n", type->example));
    CHECK((on_image.empty() || flattening.empty() || on_vector.empty()));
  }
}

TEST_CASE("layer kinds: docs/language.md's layer table lists every kind and its options") {
  std::istringstream doc(test::read_file(test::source_path("docs/language.md")));
  std::map<std::string, std::set<std::string>> documented;
  for (std::string line; std::getline(doc, line);) {
    if (!line.starts_with("| `")) continue;
    const auto row = cells(line);
    if (row.size() != 3) continue;
    const std::string statement = row[0].substr(1, row[0].find_first_of(" `", 1) - 1);
    if (!layer_type_named(statement)) continue;
    documented[statement] = backquoted(row[2]);
  }
  for (const LayerType* type : layer_types()) {
    INFO(type->keyword);
    REQUIRE(documented.count(std::string(type->keyword)) == 1);
    std::set<std::string> options;
    for (const OptionSyntax& option : type->options) options.emplace(option.name);
    CHECK(documented[std::string(type->keyword)] == options);
  }
}

} // namespace cnnc
