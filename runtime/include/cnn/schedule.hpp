// Learning-rate schedules, per epoch: the rate the optimizer uses in epoch e of a run of E.
#pragma once

#include "cnn/model_info.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace cnn {

// `epoch` counts from 1. Keras' equivalents, with steps counted in epochs: Step is
// ExponentialDecay(lr, every, factor, staircase=True); Exponential is ExponentialDecay(lr, 1,
// rate, staircase=True); Cosine is CosineDecay(lr, E - warmup, alpha = min_lr / lr) after a
// linear warmup from lr / warmup up to lr. A floor above `lr` (after --lr) is lowered to `lr`.
inline double scheduled_learning_rate(const ScheduleConfig& schedule, double lr, int epoch,
                                      int epochs) {
  switch (schedule.kind) {
  case ScheduleKind::Constant:
    return lr;
  case ScheduleKind::Step:
    return lr * std::pow(schedule.factor, (epoch - 1) / std::max(schedule.every, 1));
  case ScheduleKind::Exponential:
    return lr * std::pow(schedule.factor, epoch - 1);
  case ScheduleKind::Cosine: {
    if (epoch <= schedule.warmup) return lr * epoch / schedule.warmup;
    const double floor = std::min(schedule.min_lr, lr);
    const int span = std::max(epochs - schedule.warmup, 1);
    const double progress = std::min(1.0, double(epoch - 1 - schedule.warmup) / span);
    return floor + (lr - floor) * 0.5 * (1 + std::cos(std::numbers::pi * progress));
  }
  }
  return lr;
}

} // namespace cnn
