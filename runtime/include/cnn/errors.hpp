// The runtime's two failure kinds, caught at the command's edge: bad data or files (exit 1)
// and bad command-line usage (exit 2).
#pragma once

#include <stdexcept>
#include <string>

namespace cnn {

// A file that cannot be read, parsed or trusted; the message names the file and the cause.
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A command line that does not make sense; the message says what was expected.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

} // namespace cnn
