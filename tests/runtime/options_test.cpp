// The trainer's command line: commands, option forms, value ranges, options that go together,
// suggestions for misspellings, and resolving the training settings.
#include "cnn/errors.hpp"
#include "cnn/options.hpp"
#include "dense_model.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

cnn::CommandLine parse(const std::vector<std::string>& args) {
  std::vector<const char*> argv{"test-train"};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  return cnn::parse_command_line(static_cast<int>(argv.size()), argv.data());
}

// The usage error's message, or "" when the command line is accepted.
std::string usage_error(const std::vector<std::string>& args) {
  try {
    parse(args);
  } catch (const cnn::UsageError& error) {
    return error.what();
  }
  return "";
}

} // namespace

TEST_CASE("train is the command when the first argument is an option or there is none") {
  CHECK(parse({}).command == "train");
  CHECK(parse({"--epochs", "2"}).command == "train");
  CHECK(parse({"train", "--epochs", "2"}).command == "train");
  CHECK(parse({"evaluate", "--weights", "w"}).command == "evaluate");
  CHECK(parse({"summary"}).command == "summary");
}

TEST_CASE("an option takes its value as --opt=value or --opt value") {
  const auto joined = parse({"--epochs=3", "--data=some/dir", "--lr=0.5"});
  CHECK(joined.epochs == 3);
  CHECK(joined.data == "some/dir");
  CHECK(joined.lr == 0.5);
  const auto separate = parse({"--epochs", "3", "--data", "some/dir", "--lr", "0.5"});
  CHECK(separate.epochs == 3);
  CHECK(separate.data == "some/dir");
  CHECK(separate.lr == 0.5);
  CHECK(parse({"--epochs", "3", "--epochs=5"}).epochs == 5); // the last one counts
}

TEST_CASE("every option of every command reaches the command line") {
  const auto train = parse({"--data",
                            "d",
                            "--format",
                            "npy",
                            "--epochs",
                            "2",
                            "--batch",
                            "8",
                            "--lr",
                            "0.1",
                            "--threads",
                            "3",
                            "--seed",
                            "18446744073709551615",
                            "--validation",
                            "100",
                            "--limit",
                            "50",
                            "--test-limit",
                            "20",
                            "--out",
                            "o",
                            "--overwrite",
                            "--init",
                            "i",
                            "--quiet"});
  CHECK(train.data == "d");
  CHECK(train.format == "npy");
  CHECK(train.epochs == 2);
  CHECK(train.batch == 8);
  CHECK(train.threads == 3);
  CHECK(train.seed == 18446744073709551615u);
  CHECK(train.validation_count == 100);
  CHECK(train.limit == 50);
  CHECK(train.test_limit == 20);
  CHECK(train.out == "o");
  CHECK(train.overwrite);
  CHECK(train.init == "i");
  CHECK(train.quiet);
  CHECK_FALSE(parse({}).overwrite);
  const auto evaluate = parse({"evaluate", "--weights", "w", "--out", "pictures", "--format",
                               "cifar", "--test-limit", "5"});
  CHECK(evaluate.weights == "w");
  CHECK(evaluate.out == "pictures");
  CHECK(evaluate.format == "cifar");
  const auto predict = parse({"predict", "--weights", "w", "--images", "x.npy", "--labels", "y.npy",
                              "--output", "p.csv", "--format", "npy"});
  CHECK(predict.images == "x.npy");
  CHECK(predict.labels == "y.npy");
  CHECK(predict.output == "p.csv");
}

TEST_CASE("a misspelt option gets a suggestion from its command's options") {
  CHECK_THAT(usage_error({"--epoch", "3"}),
             Equals("unknown option '--epoch'; did you mean '--epochs'?"));
  CHECK_THAT(usage_error({"--epoch=3"}),
             Equals("unknown option '--epoch'; did you mean '--epochs'?"));
  CHECK_THAT(usage_error({"evaluate", "--weigths", "w"}),
             Equals("unknown option '--weigths'; did you mean '--weights'?"));
  CHECK_THAT(usage_error({"--bogus"}), Equals("unknown option '--bogus'"));
}

TEST_CASE("a misspelt command gets a suggestion") {
  CHECK_THAT(usage_error({"evalute", "--weights", "w"}),
             Equals("unknown command 'evalute'; did you mean 'evaluate'?"));
  CHECK_THAT(
      usage_error({"explode"}),
      Equals("unknown command 'explode' (expected train, evaluate, predict, summary or draw)"));
}

TEST_CASE("an option of another command, a stray word or a missing value is a usage error") {
  CHECK_THAT(usage_error({"--weights", "w"}),
             Equals("--weights does not apply to the train command"));
  CHECK_THAT(usage_error({"summary", "--quiet"}),
             Equals("--quiet does not apply to the summary command"));
  CHECK_THAT(usage_error({"--epochs", "3", "evaluate"}),
             Equals("unexpected argument 'evaluate' (the command goes first)"));
  CHECK_THAT(usage_error({"--epochs", "3", "fast"}),
             Equals("unexpected argument 'fast' (options start with --)"));
  CHECK_THAT(usage_error({"--epochs"}), Equals("--epochs needs a value"));
}

TEST_CASE("option --help asks for the help whatever else the line holds") {
  CHECK(parse({"--help"}).help);
  CHECK(parse({"-h"}).help);
  CHECK(parse({"predict", "--help"}).help);
  CHECK(parse({"--bogus", "--help"}).help);
}

TEST_CASE("whole numbers beyond their field's range are rejected, never wrapped around") {
  CHECK_THAT(usage_error({"--epochs", "4294967297"}),
             Equals("--epochs 4294967297: need at most 2147483647"));
  CHECK_THAT(usage_error({"--batch", "4294967296"}),
             Equals("--batch 4294967296: need at most 2147483647"));
  CHECK_THAT(usage_error({"--epochs", "99999999999999999999999"}),
             Equals("--epochs 99999999999999999999999: need at most 2147483647"));
  CHECK_THAT(usage_error({"--epochs", "0"}), Equals("--epochs 0: need at least 1"));
  CHECK_THAT(usage_error({"--batch", "-1"}), Equals("--batch -1: need at least 1"));
  CHECK_THAT(usage_error({"--epochs", "two"}),
             Equals("--epochs: 'two' is not a valid whole number"));
  CHECK_THAT(usage_error({"--epochs", "3x"}), Equals("--epochs: '3x' is not a valid whole number"));
  CHECK(parse({"--epochs", "2147483647"}).epochs == 2147483647);
  CHECK_THAT(usage_error({"--batch", "4294967328"}),
             Equals("--batch 4294967328: need at most 2147483647"));
  CHECK_THAT(usage_error({"--patience", "4294967297"}),
             Equals("--patience 4294967297: need at most 1000000"));
  CHECK_THAT(usage_error({"--seed", "-1"}), Contains("--seed: '-1' is not a whole number"));
  CHECK_THAT(usage_error({"--seed", "18446744073709551616"}), Contains("is not a whole number"));
}

TEST_CASE("option --threads takes 1 to 256 in every command that runs the model") {
  for (const std::vector<std::string>& command : {std::vector<std::string>{"train"},
                                                  {"evaluate", "--weights", "w"},
                                                  {"predict", "--weights", "w", "--images", "x"}}) {
    auto with = [&](const std::string& threads) {
      auto args = command;
      args.insert(args.end(), {"--threads", threads});
      return args;
    };
    INFO(command.front());
    CHECK_THAT(usage_error(with("0")), Equals("--threads 0: need 1 to 256"));
    CHECK_THAT(usage_error(with("257")), Equals("--threads 257: need 1 to 256"));
    CHECK_THAT(usage_error(with("4294967297")), Equals("--threads 4294967297: need 1 to 256"));
    CHECK_THAT(usage_error(with("100000")), Equals("--threads 100000: need 1 to 256"));
    CHECK_THAT(usage_error(with("-7")), Equals("--threads -7: need 1 to 256"));
    CHECK(parse(with("256")).threads == 256);
    CHECK(parse(with("1")).threads == 1);
  }
}

TEST_CASE("option --lr must be a positive finite number; limits must not be negative") {
  for (const char* lr : {"0", "-0.1", "inf", "nan", "1e400"})
    CHECK_THAT(usage_error({"--lr", lr}),
               Equals(std::string("--lr ") + lr + ": need a positive finite number"));
  CHECK_THAT(usage_error({"--lr", "fast"}), Equals("--lr: 'fast' is not a valid number"));
  CHECK_THAT(usage_error({"--limit", "-5"}), Equals("--limit -5: must not be negative"));
  CHECK_THAT(usage_error({"--test-limit", "-1"}), Equals("--test-limit -1: must not be negative"));
  CHECK(parse({"--limit", "0"}).limit == 0);
}

TEST_CASE("option --validation takes a count, or a fraction when it has a point or an exponent") {
  const auto count = parse({"--validation", "500"});
  CHECK(count.validation_count == 500);
  CHECK(count.validation_fraction == 0);
  const auto fraction = parse({"--validation", "0.2"});
  CHECK(fraction.validation_fraction == 0.2);
  CHECK(fraction.validation_count == 0);
  CHECK(parse({"--validation", "5e-1"}).validation_fraction == 0.5);
  CHECK_THAT(usage_error({"--validation", "1.5"}),
             Equals("--validation: fraction 1.5 is outside [0, 1)"));
  CHECK_THAT(usage_error({"--validation", "-3"}), Equals("--validation -3: must not be negative"));
}

TEST_CASE("option --format takes auto, idx, cifar, images or npy") {
  for (const char* format : {"auto", "idx", "cifar", "images", "npy"})
    CHECK(parse({"--format", format}).format == format);
  CHECK_THAT(usage_error({"--format", "cifr"}),
             Equals("--format cifr: expected auto, idx, cifar, images, npy; did you mean "
                    "'cifar'?"));
  CHECK_THAT(usage_error({"--format", "csv"}),
             Equals("--format csv: expected auto, idx, cifar, images, npy"));
}

TEST_CASE("predict takes either --images, optionally with --labels, or --data") {
  CHECK(parse({"predict", "--weights", "w", "--images", "x"}).images == "x");
  CHECK(parse({"predict", "--weights", "w", "--data", "d"}).data == "d");
  CHECK(parse({"predict", "--weights", "w", "--images", "x", "--labels", "y"}).labels == "y");
  CHECK_THAT(usage_error({"predict", "--weights", "w"}),
             Equals("predict needs --images PATH or --data DIR"));
  CHECK_THAT(usage_error({"predict", "--weights", "w", "--images", "x", "--data", "d"}),
             Equals("predict takes --images PATH or --data DIR, not both"));
  CHECK_THAT(usage_error({"predict", "--weights", "w", "--data", "d", "--labels", "y"}),
             Equals("--labels goes with --images (the --data folder brings its own labels)"));
  CHECK_THAT(usage_error({"predict", "--images", "x"}), Equals("predict needs --weights FILE"));
  CHECK_THAT(usage_error({"evaluate"}), Equals("evaluate needs --weights FILE"));
}

TEST_CASE("draw takes weights, one input (--image, or --data with --sample) and --out") {
  const auto image = parse({"draw", "--weights", "w", "--image", "x.png", "--out", "o", "--quiet"});
  CHECK(image.command == "draw");
  CHECK(image.weights == "w");
  CHECK(image.image == "x.png");
  CHECK(image.out == "o");
  CHECK(image.quiet);
  const auto data = parse({"draw", "--data", "d", "--sample", "7", "--format", "idx"});
  CHECK_FALSE(data.weights);
  CHECK(data.data == "d");
  CHECK(data.sample == 7);
  CHECK(data.format == "idx");
  CHECK_THAT(usage_error({"draw", "--image", "x", "--data", "d"}),
             Equals("draw takes --image FILE or --data DIR, not both"));
  CHECK_THAT(usage_error({"draw", "--image", "x", "--sample", "2"}),
             Equals("--sample goes with --data (it picks a sample of the test split)"));
  CHECK_THAT(usage_error({"draw", "--data", "d", "--sample", "-1"}),
             Equals("--sample -1: must not be negative"));
  CHECK_THAT(usage_error({"draw", "--epochs", "2"}),
             Equals("--epochs does not apply to the draw command"));
}

TEST_CASE("options --init and --resume exclude each other") {
  CHECK_THAT(usage_error({"--init", "a", "--resume", "b"}),
             Equals("--init and --resume exclude each other"));
}

TEST_CASE("resolve_settings passes --format and --overwrite on and checks a checkpoint's values") {
  const auto& model = cnn::dense::Model::kTraining;
  const auto settings =
      cnn::resolve_settings(model, "dense", parse({"--format", "idx", "--overwrite"}));
  CHECK(settings.format == "idx");
  CHECK(settings.overwrite);
  CHECK(settings.out_dir == "runs/dense");
  CHECK(cnn::resolve_settings(model, "dense", parse({})).format.empty());
  // Values a checkpoint supplies go through the same range checks as the command line's, but
  // are the file's fault: a data error naming the file and the setting, not a usage error
  // about an option the user never typed.
  const auto resume = parse({"--resume", "runs/dense/checkpoint.safetensors"});
  CHECK_THROWS_MATCHES(
      cnn::resolve_settings(model, "dense", resume, {{"--threads", "0"}}), cnn::DataError,
      Catch::Matchers::Message("runs/dense/checkpoint.safetensors: the checkpoint's setting "
                               "'threads' is '0': need 1 to 256"));
  CHECK_THROWS_MATCHES(
      cnn::resolve_settings(model, "dense", resume, {{"--lr", "-1"}}), cnn::DataError,
      Catch::Matchers::Message("runs/dense/checkpoint.safetensors: the checkpoint's setting 'lr' "
                               "is '-1': need a positive finite number"));
  CHECK_THROWS_MATCHES(
      cnn::resolve_settings(model, "dense", resume, {{"--epochs", "4294967297"}}), cnn::DataError,
      Catch::Matchers::Message("runs/dense/checkpoint.safetensors: the checkpoint's setting "
                               "'epochs' is '4294967297': need at most 2147483647"));
  // A command-line value that overrides a bad checkpoint value leaves nothing to complain about.
  CHECK(cnn::resolve_settings(model, "dense", parse({"--resume", "c", "--threads", "2"}),
                              {{"--threads", "0"}})
            .threads == 2);
}

TEST_CASE("settings come from the model file, then the checkpoint, then the command line") {
  const auto& model = cnn::dense::Model::kTraining; // epochs 3, batch 32, lr 0.001, seed 7
  const cnn::OptionTexts checkpoint{{"--epochs", "5"}, {"--batch", "16"}, {"--validation", "40"}};
  const auto from_model = cnn::resolve_settings(model, "dense", parse({}));
  CHECK(from_model.epochs == 3);
  CHECK(from_model.optimizer.learning_rate == 0.001);
  CHECK(from_model.seed == 7);
  CHECK(from_model.validation_fraction == 0.1);
  const auto resumed = cnn::resolve_settings(model, "dense", parse({}), checkpoint);
  CHECK(resumed.epochs == 5);
  CHECK(resumed.batch == 16);
  CHECK(resumed.validation_count == 40);
  CHECK(resumed.validation_fraction == 0);
  CHECK_FALSE(resumed.scale_validation); // the count the run held out, not the model's
  const auto overridden =
      cnn::resolve_settings(model, "dense", parse({"--epochs", "9", "--lr", "0.5"}), checkpoint);
  CHECK(overridden.epochs == 9);
  CHECK(overridden.batch == 16);
  CHECK(overridden.optimizer.learning_rate == 0.5);
}

TEST_CASE("a checkpoint stores the resolved settings, which read back as its layer") {
  const auto& model = cnn::dense::Model::kTraining;
  const auto settings =
      cnn::resolve_settings(model, "dense", parse({"--batch", "8", "--limit", "100"}));
  const auto metadata = cnn::checkpoint_settings(settings, 12);
  CHECK(metadata.at("batch") == "8");
  CHECK(metadata.at("limit") == "100");
  CHECK(metadata.at("epochs") == "3");
  CHECK(metadata.at("lr") == "0.001");
  CHECK(metadata.at("validation") == "12"); // the samples held out, not the model's fraction
  CHECK(metadata.at("data_format") == "auto");
  const auto layer = cnn::settings_from_checkpoint(metadata);
  CHECK(layer.at("--batch") == "8");
  CHECK(layer.at("--validation") == "12");
  CHECK(layer.count("--out") == 0); // where a run writes is never taken from its checkpoint
}

TEST_CASE("option --patience turns early stopping on; --no-augment turns augmentation off") {
  const auto& model = cnn::dense::Model::kTraining; // neither
  CHECK_FALSE(cnn::resolve_settings(model, "dense", parse({})).early_stopping.enabled);
  const auto patient = cnn::resolve_settings(model, "dense", parse({"--patience", "4"}));
  CHECK(patient.early_stopping.enabled);
  CHECK(patient.early_stopping.patience == 4);
  CHECK(patient.early_stopping.monitor == cnn::MonitorKind::ValLoss);
  CHECK(patient.early_stopping.restore_best_weights);
  CHECK_THAT(usage_error({"--patience", "-1"}), Equals("--patience -1: must not be negative"));
  auto augmented = model;
  augmented.augment = {4, true, false};
  CHECK(cnn::resolve_settings(augmented, "dense", parse({})).augment.shift == 4);
  const auto plain = cnn::resolve_settings(augmented, "dense", parse({"--no-augment"}));
  CHECK(plain.augment.shift == 0);
  CHECK_FALSE(plain.augment.flip_horizontal);
}

TEST_CASE("--help lists every train option of the table with its help") {
  const std::string help = cnn::usage_text("dense-train", "dense");
  for (const char* option :
       {"--epochs N", "--patience N", "--no-augment", "--lr X", "--resume FILE"})
    CHECK_THAT(help, Contains(option));
  CHECK_THAT(help, Contains("(default\n                    runs/dense)"));
}
