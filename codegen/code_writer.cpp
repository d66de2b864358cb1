// The indenting writer for emitted C++.
#include "codegen/code_writer.hpp"

#include <stdexcept>

namespace cnnc {

void CodeWriter::line(std::string_view text) {
  flush_lanes();
  write(text);
}

void CodeWriter::lane(std::string_view statement) {
  if (statement.find('\n') != std::string_view::npos)
    throw std::logic_error("CodeWriter::lane: statement holds a newline");
  pending_lanes_.emplace_back(statement);
}

void CodeWriter::flush_lanes() {
  if (pending_lanes_.empty()) return;
  std::vector<std::string> statements;
  statements.swap(pending_lanes_);
  constexpr std::string_view loop = "CNNC_LANES for (int l = 0; l < L; ++l)";
  if (statements.size() == 1) {
    write(fmt::format("{} {}", loop, statements[0]));
    return;
  }
  write(fmt::format("{} {{", loop));
  ++depth_;
  for (const auto& statement : statements) write(statement);
  --depth_;
  write("}");
}

void CodeWriter::write(std::string_view text) {
  if (text.find('\n') != std::string_view::npos)
    throw std::logic_error("CodeWriter::line: text holds a newline");
  if (!text.empty()) text_.append(std::size_t(depth_ * indent_width_), ' ');
  text_.append(text);
  text_.push_back('\n');
}

void CodeWriter::blank() {
  flush_lanes();
  text_.push_back('\n');
}

void CodeWriter::open_scope(std::string_view header) {
  flush_lanes();
  write(header.empty() ? std::string("{") : std::string(header) + " {");
  ++depth_;
}

void CodeWriter::close_scope(std::string_view comment) {
  flush_lanes();
  if (depth_ == 0) throw std::logic_error("CodeWriter::close_scope: no scope is open");
  --depth_;
  write(comment.empty() ? std::string("}") : fmt::format("}} // {}", comment));
}

void CodeWriter::close_type(std::string_view comment) {
  flush_lanes();
  if (depth_ == 0) throw std::logic_error("CodeWriter::close_type: no scope is open");
  --depth_;
  write(comment.empty() ? std::string("};") : fmt::format("}}; // {}", comment));
}

} // namespace cnnc
