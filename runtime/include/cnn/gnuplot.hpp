// What the runtime's figures (history, confusion matrix) share to run gnuplot safely.
#pragma once

#include <string>

namespace cnn {

// Whether an executable `program` is on the PATH.
bool on_path(const std::string& program);

// `text` as a gnuplot single-quoted string: quotes doubled, control characters (a line break
// would end the command and run the next line as gnuplot commands) replaced by '?'.
std::string gnuplot_string(const std::string& text);

// `text` single-quoted for /bin/sh.
std::string shell_quote(const std::string& text);

} // namespace cnn
