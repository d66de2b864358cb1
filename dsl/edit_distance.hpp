// The language's "did you mean" suggestions come from the runtime's header-only cnn/suggest.hpp,
// the one edit distance the .cnn checker, cnnc and the trainers share.
#pragma once

#include "runtime/include/cnn/suggest.hpp"

namespace cnnc {

using cnn::did_you_mean;
using cnn::edit_distance;

} // namespace cnnc
