// The lists of taken names in dsl/reserved_names.cpp, checked against their sources: the macros
// the compiler defines for a trainer, the runtime's names in namespace cnn (by compiling a
// trainer after a namespace for every identifier of its headers that a model may take), and the
// identifiers of the generated code. When one fails after a change to the runtime, the generated
// code or the system's headers, add the names it lists to the list it names.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>
#include <unistd.h>

#include "codegen/emit.hpp"
#include "dsl/driver.hpp"
#include "dsl/identifier.hpp"
#include "layers/emitted_names.hpp"

namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// The identifiers of C++ source outside comments, string and character literals (raw strings
// with an empty delimiter too) and #include lines; the letters of numbers (1e-07f) are skipped.
std::set<std::string> code_identifiers(const std::string& text) {
  std::set<std::string> names;
  std::size_t i = 0;
  const auto skip_to = [&](std::string_view end) {
    const std::size_t at = text.find(end, i);
    i = at == std::string::npos ? text.size() : at + end.size();
  };
  while (i < text.size()) {
    const char c = text[i];
    if (text.compare(i, 2, "//") == 0) {
      skip_to("\n");
    } else if (text.compare(i, 2, "/*") == 0) {
      skip_to("*/");
    } else if (text.compare(i, 3, "R\"(") == 0) {
      i += 3;
      skip_to(")\"");
    } else if (c == '"' || c == '\'') {
      for (++i; i < text.size() && text[i] != c && text[i] != '\n'; ++i)
        if (text[i] == '\\') ++i;
      ++i;
    } else if (c == '#' && text.compare(text.find_first_not_of(" #", i), 7, "include") == 0) {
      skip_to("\n");
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      while (i < text.size() && (is_word_char(text[i]) || text[i] == '.')) ++i;
    } else if (is_word_char(c)) {
      const std::size_t start = i;
      while (i < text.size() && is_word_char(text[i])) ++i;
      names.insert(text.substr(start, i - start));
    } else {
      ++i;
    }
  }
  return names;
}

struct Folder {
  fs::path path = fs::temp_directory_path() / fmt::format("cnnc-names-test-{}", ::getpid());
  Folder() { fs::create_directories(path); }
  ~Folder() { fs::remove_all(path); }
};

// Generates `model` (a file of the repository) into folder/<name>/<name>.hpp; returns its name.
std::string generate(const std::string& model, const fs::path& folder) {
  const cnnc::CheckResult result = cnnc::check_file(std::string(CNNC_SOURCE_DIR) + "/" + model);
  REQUIRE(result.model);
  for (const auto& file : cnnc::emit_model(*result.model, {})) {
    fs::create_directories(folder / result.model->name);
    std::ofstream(folder / result.model->name / file.path) << file.text;
  }
  return result.model->name;
}

int run(const std::string& command) {
  return std::system(command.c_str());
}

// What a trainer includes before and after a model's header.
std::string trainer_includes(const std::string& model) {
  return fmt::format("#include \"{0}/{0}.hpp\"\n#include \"cnn/predictor.hpp\"\n#include "
                     "\"cnn/trainer_main.hpp\"\n",
                     model);
}

std::string compiler(const fs::path& folder) {
  return fmt::format("cd '{}' && '{}' -std=c++20 -I. -I'{}/runtime/include'", folder.string(),
                     CNNC_CXX, CNNC_SOURCE_DIR);
}

std::string list(const std::set<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : " ") + name;
  return text;
}

} // namespace

TEST_CASE("every macro a trainer's includes define is taken for model and layer-made names") {
  Folder folder;
  const std::string model = generate("models/mnist.cnn", folder.path);
  std::ofstream(folder.path / "unit.cpp") << trainer_includes(model);
  REQUIRE(run(compiler(folder.path) + " -dM -E unit.cpp >macros.txt") == 0);
  std::set<std::string> missing;
  std::ifstream in(folder.path / "macros.txt");
  for (std::string line; std::getline(in, line);) {
    // "#define NAME value" or "#define NAME(args) value"
    static const std::regex define(R"(#define ([A-Za-z_][A-Za-z0-9_]*))");
    std::smatch match;
    if (!std::regex_search(line, match, define)) continue;
    const std::string name = match[1];
    if (cnnc::identifier_problem(name)) continue; // reserved to the implementation
    if (!cnnc::model_name_problem(name) || !cnnc::emitted_name_problem(name)) missing.insert(name);
  }
  INFO("macros to add to kMacros in dsl/reserved_names.cpp: " << list(missing));
  CHECK(missing.empty());
  CHECK(cnnc::model_name_problem("NULL"));
}

TEST_CASE("a model may take any runtime identifier that is not listed as taken") {
  Folder folder;
  const std::string model = generate("models/mnist.cnn", folder.path);
  std::set<std::string> free;
  for (const auto& entry :
       fs::directory_iterator(fs::path(CNNC_SOURCE_DIR) / "runtime/include/cnn"))
    for (const auto& name : code_identifiers(read_text(entry.path())))
      if (!cnnc::model_name_problem(name)) free.insert(name);
  REQUIRE(free.size() > 300);
  // Each free name becomes a namespace of cnn where a model's would be, before the runtime's
  // headers; the trainer and the predictor must still compile.
  std::string unit = "#include <cmath>\n#include <cstddef>\n#include <cstdint>\n#include "
                     "<limits>\n#include \"cnn/model_info.hpp\"\nnamespace cnn {\n";
  for (const auto& name : free) unit += fmt::format("namespace {} {{}}\n", name);
  unit += "} // namespace cnn\n" + trainer_includes(model);
  unit += fmt::format("int main(int argc, char** argv) {{\n  cnn::Predictor<cnn::{0}::Model> "
                      "predictor(\"w\");\n  return cnn::trainer_main<cnn::{0}::Model>(argc, "
                      "argv);\n}}\n",
                      model);
  std::ofstream(folder.path / "unit.cpp") << unit;
  const int status = run(compiler(folder.path) + " -fsyntax-only unit.cpp >errors.txt 2>&1");
  const std::string errors = read_text(folder.path / "errors.txt");
  INFO("names the messages show to add to kRuntimeNames in dsl/reserved_names.cpp:\n"
       << errors.substr(0, 4000));
  CHECK(status == 0);
}

TEST_CASE("every identifier of the generated code is a layer's, or listed as the code's own") {
  std::vector<std::string> models;
  for (const char* folder : {"models", "tests/codegen/models"})
    for (const auto& entry : fs::directory_iterator(fs::path(CNNC_SOURCE_DIR) / folder))
      if (entry.path().extension() == ".cnn")
        models.push_back(fs::relative(entry.path(), CNNC_SOURCE_DIR).string());
  REQUIRE(models.size() > 10);
  std::set<std::string> unlisted;
  for (const auto& path : models) {
    const cnnc::CheckResult result = cnnc::check_file(std::string(CNNC_SOURCE_DIR) + "/" + path);
    INFO(path);
    REQUIRE(result.model);
    std::set<std::string> made = {result.model->name};
    for (std::size_t i = 0; i < result.model->layers.size(); ++i)
      for (const auto& emitted : cnnc::emitted_names(*result.model, i)) made.insert(emitted.name);
    // The default policy, and every loop unrolled for the small test models.
    std::vector<std::int64_t> budgets = {0};
    if (path.starts_with("tests/")) budgets.push_back(std::int64_t(1) << 40);
    for (const std::int64_t budget : budgets) {
      cnnc::EmitOptions options;
      options.unroll_budget = budget;
      options.max_header_bytes = std::int64_t(2) << 20;
      std::string text;
      try {
        text = cnnc::emit_model(*result.model, options).front().text;
      } catch (const cnnc::HeaderTooLarge&) {
        continue;
      }
      for (const auto& name : code_identifiers(text))
        if (!made.count(name) && !cnnc::identifier_problem(name) &&
            !cnnc::emitted_name_problem(name))
          unlisted.insert(name);
    }
  }
  INFO("names to add to kGeneratedNames in dsl/reserved_names.cpp (or, when a layer's name "
       "makes them, to layers/emitted_names.cpp): "
       << list(unlisted));
  CHECK(unlisted.empty());
}
