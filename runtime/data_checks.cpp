// The checks of samples and targets against what the model declares. Apart from the dispatch
// in dataset.cpp, so that a program using one reader links without every other format's reader.
#include "cnn/dataset.hpp"

#include "cnn/errors.hpp"
#include "cnn/readers.hpp"

#include <fmt/format.h>

namespace cnn {
namespace {

std::string shape_text(int h, int w, int c) {
  return fmt::format("{}x{}x{}", h, w, c);
}

} // namespace

void check_samples(const Samples& samples, const DataSpec& spec) {
  if (samples.height != spec.height || samples.width != spec.width ||
      samples.channels != spec.channels)
    throw DataError(fmt::format("{}: samples are {}, the model expects {}", samples.path,
                                shape_text(samples.height, samples.width, samples.channels),
                                shape_text(spec.height, spec.width, spec.channels)));
  const std::size_t expected = samples.count * samples.sample_size();
  if ((samples.floats ? samples.values.size() : samples.bytes.size()) != expected)
    throw DataError(fmt::format("{}: holds {} values, expected {} ({} samples of {})", samples.path,
                                samples.floats ? samples.values.size() : samples.bytes.size(),
                                expected, samples.count,
                                shape_text(samples.height, samples.width, samples.channels)));
}

void check_targets(const Targets& targets, const DataSpec& spec, std::size_t count) {
  if (targets.real()) {
    if (spec.target_size == 0)
      throw DataError(fmt::format(
          "{}: holds real-valued targets ({} per sample), but the model is a classifier and "
          "needs integer class labels",
          targets.path, targets.width));
    if (targets.width != spec.target_size)
      throw DataError(fmt::format("{}: {} targets per sample, the model has {} outputs",
                                  targets.path, targets.width, spec.target_size));
  } else {
    if (spec.classes == 0)
      throw DataError(fmt::format(
          "{}: holds class labels, but the model needs {} real-valued targets per sample",
          targets.path, spec.target_size));
    for (std::size_t i = 0; i < targets.labels.size(); ++i)
      if (targets.labels[i] < 0 || targets.labels[i] >= spec.classes)
        throw DataError(fmt::format("{}: label {} of item {} is out of range (the model has {} "
                                    "classes: 0 to {})",
                                    targets.path, targets.labels[i], i, spec.classes,
                                    spec.classes - 1));
  }
  if (targets.count() != count)
    throw DataError(fmt::format("{}: {} {}, but there are {} samples", targets.path,
                                targets.count(), targets.real() ? "targets" : "labels", count));
}

void check_dataset(const Dataset& data, const DataSpec& spec) {
  check_samples(data.images, spec);
  check_targets(data.targets, spec, data.images.count);
}

} // namespace cnn
