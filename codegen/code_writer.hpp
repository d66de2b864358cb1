// An indenting writer for emitted C++: lines at the current depth, and scopes that print their
// braces and a closing comment naming what they close (as Halide's CodeGen_C does).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

namespace cnnc {

class CodeWriter {
public:
  explicit CodeWriter(int indent_width = 2) : indent_width_(indent_width) {}

  // One line at the current depth; `text` holds no newline.
  void line(std::string_view text);
  template <typename... Args>
  void linef(fmt::format_string<Args...> format, Args&&... args) {
    line(fmt::format(format, std::forward<Args>(args)...));
  }
  void blank();
  // Prints `header {` and indents; close_scope dedents and prints `}`, then `// comment` if any.
  void open_scope(std::string_view header);
  void close_scope(std::string_view comment = {});
  // Closes with `};` (a struct or class body).
  void close_type(std::string_view comment = {});

  // A braced initializer list, `head{field, field, ...}tail`, over as many lines as it needs:
  // each group of fields starts a line, a group wider than kLineWidth wraps, and continuation
  // lines align under the first field.
  void braced(std::string_view head, const std::vector<std::vector<std::string>>& groups,
              std::string_view tail);
  static constexpr std::size_t kLineWidth = 100;

  // A statement over the L lanes (indexed by `l`). Consecutive lane statements are written as
  // one `CNNC_LANES for (int l = 0; l < L; ++l)` loop: fusing them is always valid, since
  // every statement touches lane l only, and one loop per group keeps compile times low.
  void lane(std::string_view statement);
  // Ends the current group of lane statements (the next one starts a new loop).
  void lane_break() { flush_lanes(); }
  // Lane statements waiting for their loop.
  std::size_t pending_lanes() const { return pending_lanes_.size(); }

  int depth() const { return depth_; }
  const std::string& text() {
    flush_lanes();
    return text_;
  }

  // Keeps at most `bytes` of text: past it the writer drops what it is given and only counts
  // it, so that a text too large to use costs no memory and its size can still be reported.
  void limit(std::size_t bytes) { limit_ = bytes; }
  bool over_limit() const { return written_ > limit_; }
  // Bytes written so far, kept or not.
  std::size_t written() {
    flush_lanes();
    return written_;
  }

private:
  void flush_lanes();
  void write(std::string_view text);
  // Counts `bytes` more; false (the text dropped) once past the limit.
  bool keep(std::size_t bytes);

  std::string text_;
  std::size_t written_ = 0;
  std::size_t limit_ = std::string::npos;
  std::vector<std::string> pending_lanes_;
  int depth_ = 0;
  int indent_width_;
};

} // namespace cnnc
