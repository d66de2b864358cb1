// The training section's schedule, early stopping, L2 weight decay and augmentation: their
// defaults, what the checker makes of them, their errors and their summary lines.
#include <catch2/catch.hpp>

#include "dsl/driver.hpp"
#include "support.hpp"

using Catch::Matchers::Contains;
using cnnc::test::check;
using cnnc::test::errors;
using Lines = std::vector<std::string>;

namespace {

// Line 5 is the first setting after `training`.
const std::string kModel = "input 28x28x1\nflatten\ndense 10 softmax\ntraining\n";

cnnc::Training training(const std::string& settings) {
  const cnnc::CheckResult result = check(kModel + "epochs 20\n" + settings);
  INFO(cnnc::test::printed(result));
  REQUIRE(result.model.has_value());
  return result.model->training;
}

} // namespace

TEST_CASE("without the new settings there is no schedule, early stopping, decay or augmentation") {
  const cnnc::Training plain = training("");
  CHECK(plain.schedule.kind == cnnc::ScheduleKind::Constant);
  CHECK_FALSE(plain.early_stopping.enabled);
  CHECK(plain.l2 == 0);
  CHECK_FALSE(plain.augment.enabled());
}

TEST_CASE("schedules take their settings, with defaults for the ones left out") {
  const auto step = training("schedule step every=5 factor=0.1\n").schedule;
  CHECK(step.kind == cnnc::ScheduleKind::Step);
  CHECK(step.every == 5);
  CHECK(step.factor == 0.1);
  CHECK(training("schedule step\n").schedule == cnnc::Schedule{cnnc::ScheduleKind::Step, 10, 0.5});
  const auto exponential = training("schedule exponential rate=0.96\n").schedule;
  CHECK(exponential.kind == cnnc::ScheduleKind::Exponential);
  CHECK(exponential.factor == 0.96);
  CHECK(training("schedule exponential\n").schedule.factor == 0.9);
  const auto cosine = training("schedule cosine min=1e-6 warmup=2\n").schedule;
  CHECK(cosine.kind == cnnc::ScheduleKind::Cosine);
  CHECK(cosine.min_lr == 1e-6);
  CHECK(cosine.warmup == 2);
}

TEST_CASE("early stopping has Keras' defaults but restores the best weights") {
  const auto early = training("early_stopping\n").early_stopping;
  CHECK(early.enabled);
  CHECK(early.monitor == cnnc::MonitorKind::ValLoss);
  CHECK(early.patience == 0);
  CHECK(early.min_delta == 0);
  CHECK(early.restore_best_weights);
  const auto given = training("early_stopping monitor=val_accuracy patience=5 min_delta=0.001 "
                              "restore_best_weights=false\n")
                         .early_stopping;
  CHECK(given.monitor == cnnc::MonitorKind::ValAcc);
  CHECK(given.patience == 5);
  CHECK(given.min_delta == 0.001);
  CHECK_FALSE(given.restore_best_weights);
}

TEST_CASE("l2 and augment are read") {
  CHECK(training("l2 0.0005\n").l2 == 0.0005);
  const auto augment = training("augment shift=4 flip=horizontal\n").augment;
  CHECK(augment.shift == 4);
  CHECK(augment.flip_horizontal);
  CHECK_FALSE(augment.flip_vertical);
  const auto both = training("augment flip=horizontal_and_vertical\n").augment;
  CHECK(both.flip_horizontal);
  CHECK(both.flip_vertical);
  CHECK(both.shift == 0);
}

TEST_CASE("schedule values out of range are errors at the value") {
  CHECK(errors(kModel + "schedule step every=0\n") ==
        Lines{"5:21: schedule step every must be a whole number from 1 to 1,000,000, not 0"});
  CHECK(errors(kModel + "schedule step factor=1.5\n") ==
        Lines{"5:22: schedule step factor must be above 0 and at most 1, not 1.5"});
  CHECK(errors(kModel + "schedule exponential rate=0\n") ==
        Lines{"5:27: schedule exponential rate must be above 0 and at most 1, not 0"});
  CHECK(errors(kModel + "schedule cosine min=0.01\n") ==
        Lines{"5:21: schedule cosine min=0.01 must be below the learning rate 0.001"});
  CHECK(errors(kModel + "epochs 3\nschedule cosine warmup=3\n") ==
        Lines{"6:24: schedule cosine warmup=3 leaves no epoch to decay over (the run has 3 "
              "epochs); make it smaller than the epoch count"});
}

TEST_CASE("unknown schedules and misplaced settings name what is expected") {
  CHECK(errors(kModel + "schedule cosin\n") ==
        Lines{"5:10: unknown schedule 'cosin'; did you mean 'cosine'?"});
  CHECK(errors(kModel + "schedule step rate=0.5\n") ==
        Lines{"5:15: schedule step has no setting 'rate' (it takes every, factor)"});
  CHECK(errors(kModel + "schedule\n") ==
        Lines{"5:9: expected a schedule (step, exponential or cosine) after 'schedule', not the "
              "end of the line"});
  CHECK(errors(kModel + "schedule step every 5\n") ==
        Lines{"5:15: expected a setting such as min=1e-6, not 'every'"});
  CHECK(errors("input 28x28x1\nearly_stopping patience=2\nflatten\ndense 10 softmax\n") ==
        Lines{"2:1: 'early_stopping' is a training setting; write it after a 'training' line "
              "that follows the layers"});
  CHECK(errors(kModel + "augment shift=2\naugment flip=horizontal\n") ==
        Lines{"6:1: duplicate 'augment'", "  note 5:1: 'augment' was first set here"});
  CHECK(errors(kModel + "weight_decay 0.1\n") ==
        Lines{"5:1: unknown statement 'weight_decay'; did you mean 'l2'?"});
}

TEST_CASE("early stopping, l2 and augment values out of range are errors at the value") {
  CHECK(errors(kModel + "early_stopping monitor=loss\n") ==
        Lines{"5:24: early_stopping cannot monitor 'loss'; did you mean 'val_loss'?"});
  CHECK(errors(kModel + "early_stopping patience=-1\n") ==
        Lines{"5:25: early_stopping patience must be a whole number from 0 to 1,000,000, not -1"});
  CHECK(errors(kModel + "early_stopping min_delta=-0.1\n") ==
        Lines{"5:26: early_stopping min_delta must be at least 0, not -0.1"});
  CHECK(errors(kModel + "early_stopping restore_best_weights=yes\n") ==
        Lines{"5:37: early_stopping restore_best_weights is true or false"});
  CHECK(errors(kModel + "l2 -1\n") == Lines{"5:4: l2 must be a number of at least 0, not -1"});
  CHECK(errors(kModel + "augment shift=28\n") ==
        Lines{"5:15: augment shift=28 must be smaller than the 28x28x1 input's height and width"});
  CHECK(errors(kModel + "augment flip=sideways\n") ==
        Lines{"5:14: augment cannot flip 'sideways' (expected horizontal, vertical, "
              "horizontal_and_vertical or none)"});
  CHECK(errors(kModel + "augment zoom=0.1\n") ==
        Lines{"5:9: augment has no setting 'zoom' (it takes shift, flip)"});
}

TEST_CASE("the summary shows the new settings only when they are given") {
  const auto summary = [](const std::string& settings) {
    const cnnc::CheckResult result = check(kModel + "epochs 20\n" + settings);
    REQUIRE(result.model.has_value());
    return cnnc::format_summary(*result.model);
  };
  const std::string plain = summary("");
  CHECK_THAT(plain, !Contains("schedule") && !Contains("early_stopping") && !Contains("augment"));
  const std::string full = summary("schedule cosine min=1e-5 warmup=2\nearly_stopping patience=3\n"
                                   "l2 0.0005\naugment shift=4 flip=horizontal\n");
  CHECK_THAT(full, Contains("  schedule    cosine min=1e-05 warmup=2\n"));
  CHECK_THAT(full, Contains("  early_stopping monitor=val_loss patience=3 min_delta=0 "
                            "restore_best_weights=true\n"));
  CHECK_THAT(full, Contains("  l2          0.0005 (every kernel)\n"));
  CHECK_THAT(full, Contains("  augment     shift=4 flip=horizontal\n"));
}
