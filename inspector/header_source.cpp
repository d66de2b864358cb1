// Reads or generates the header cnnc-inspect analyses, and writes the unit that instantiates it.
#include "inspector/header_source.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

#include <fmt/core.h>

#include "codegen/emit.hpp"
#include "dsl/driver.hpp"

namespace cnnc::inspect {

namespace {

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The NAME of the header's `namespace cnn::NAME {`, which holds `struct Model`.
std::string model_namespace(const std::string& text) {
  static const std::regex pattern(R"(\nnamespace cnn::([A-Za-z_][A-Za-z0-9_]*) \{)");
  std::smatch match;
  if (!std::regex_search(text, match, pattern)) return {};
  return match[1];
}

} // namespace

std::optional<HeaderSource> load_header(const std::string& file, const SourceOptions& options,
                                        std::string& error) {
  HeaderSource header;
  const std::filesystem::path path(file);
  if (path.extension() == ".cnn") {
    CheckResult result = check_file(file);
    print_diagnostics(std::cerr, result, options.color);
    if (!result.model) return std::nullopt;
    EmitOptions emit;
    emit.name = options.name;
    emit.unroll_budget = options.unroll_budget;
    const auto files = emit_model(*result.model, emit);
    if (files.empty()) {
      error = fmt::format("the generator wrote no header for '{}'", file);
      return std::nullopt;
    }
    header.text = files.front().text;
    header.display_path = files.front().path;
    header.origin = file;
    // A virtual file beside the model file: nothing is written.
    header.path = (std::filesystem::absolute(path).parent_path() / files.front().path).string();
  } else {
    const auto text = read_text(file);
    if (!text) {
      error = fmt::format("cannot read '{}'", file);
      return std::nullopt;
    }
    header.text = *text;
    header.display_path = file;
    header.path = std::filesystem::absolute(path).lexically_normal().string();
  }
  header.model_name = model_namespace(header.text);
  if (header.model_name.empty()) {
    error = fmt::format("'{}' is not a header cnnc generated: it has no 'namespace cnn::NAME {{'",
                        header.display_path);
    return std::nullopt;
  }
  return header;
}

std::string instantiation_unit(const HeaderSource& header, const std::vector<int>& lanes) {
  std::string unit = fmt::format(R"(// cnnc-inspect: instantiates the kernels of {0}.
#include "{0}"

namespace cnnc_inspect {{
using M = ::cnn::{1}::Model;
template <int L>
void instantiate(const float* params, const float* data, float* grads, float* per_lane) {{
  typename M::template Workspace<float, L>* ws = nullptr;
  M::template forward<float, L>(params, data, *ws);
  M::template loss<float, L>(*ws, data, L, per_lane);
  M::template backward<float, L>(params, data, L, *ws, grads);
  if constexpr (requires {{ typename M::template ForwardWorkspace<float, L>; }}) {{
    typename M::template ForwardWorkspace<float, L>* inference = nullptr;
    M::template forward<float, L>(params, data, *inference);
  }}
  if constexpr (L == 1 && requires {{ typename M::template LatencyWorkspace<float>; }}) {{
    typename M::template LatencyWorkspace<float>* one = nullptr;
    M::template forward_one<float>(params, data, *one);
  }}
}}
)",
                                 header.path, header.model_name);
  for (const int lane_count : lanes)
    unit += fmt::format(
        "template void instantiate<{}>(const float*, const float*, float*, float*);\n", lane_count);
  unit += "} // namespace cnnc_inspect\n";
  return unit;
}

} // namespace cnnc::inspect
