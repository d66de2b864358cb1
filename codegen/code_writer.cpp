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
  const std::size_t indent = text.empty() ? 0 : std::size_t(depth_ * indent_width_);
  if (!keep(indent + text.size() + 1)) return;
  text_.append(indent, ' ');
  text_.append(text);
  text_.push_back('\n');
}

bool CodeWriter::keep(std::size_t bytes) {
  written_ += bytes;
  if (written_ <= limit_) return true;
  if (!text_.empty()) {
    text_.clear();
    text_.shrink_to_fit();
  }
  return false;
}

void CodeWriter::blank() {
  flush_lanes();
  if (keep(1)) text_.push_back('\n');
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

void CodeWriter::braced(std::string_view head, const std::vector<std::vector<std::string>>& groups,
                        std::string_view tail) {
  flush_lanes();
  std::size_t remaining = 0;
  for (const auto& group : groups) remaining += group.size();
  const std::size_t indent = std::size_t(depth_ * indent_width_);
  const std::string continuation(head.size() + 1, ' ');
  std::string text = std::string(head) + "{";
  if (remaining == 0) {
    write(fmt::format("{}}}{}", text, tail));
    return;
  }
  bool line_empty = true; // the line holds no field yet
  for (const auto& group : groups) {
    if (group.empty()) continue;
    if (!line_empty) {
      write(text);
      text = continuation;
      line_empty = true;
    }
    for (const auto& field : group) {
      std::string ending = ",";
      if (--remaining == 0) ending = fmt::format("}}{}", tail);
      const std::size_t width = indent + text.size() + 1 + field.size() + ending.size();
      if (!line_empty && width > kLineWidth) {
        write(text);
        text = continuation;
        line_empty = true;
      }
      if (!line_empty) text += ' ';
      text += field;
      text += ending;
      line_empty = false;
    }
  }
  write(text);
}

} // namespace cnnc
