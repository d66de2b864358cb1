// Runs that stop early: Ctrl-C and SIGTERM (finish the batch, name the checkpoint, exit
// 128 + signal), a full disk (the previous files stay as they were), temporary files left by a
// killed writer, and SIGKILL at random moments (the previous checkpoint always loads, and
// resuming ends bit-identical to an unbroken run).
#include "cnn/checkpoint.hpp"
#include "cnn/file_io.hpp"
#include "cnn/history.hpp"
#include "dense_model.hpp"
#include "run_trainer.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <random>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using Catch::Matchers::Contains;
using Dense = cnn::dense::Model;
using namespace cnn::test;

namespace {

// Raises `raised` in the `calls_left`-th call of loss: a Ctrl-C while a batch runs.
struct Signal;
using SignalledModel = HookedModel<Dense, Signal>;
int calls_left = 0;
int raised = SIGINT;

void raise_in_call(int signal, int call) {
  raised = signal;
  calls_left = call;
  SignalledModel::after_loss = [](float*) {
    if (--calls_left == 0) std::raise(raised);
  };
}

std::vector<std::string> quick(const TempDir& data, const std::string& out,
                               std::vector<std::string> more = {}) {
  more.insert(more.begin(), {"--threads", "1"});
  return quick_args(data, out, more);
}

// The loss calls of one epoch on write_synthetic_data: 540 training images in 10 batches of 50
// and one of 40, each in groups of kLanes, then 60 validation images.
constexpr int kLanes = cnn::Trainer<Dense>::kLanes;
constexpr int kTrainCalls = 10 * ((50 + kLanes - 1) / kLanes) + (40 + kLanes - 1) / kLanes;
constexpr int kValidationCalls = (60 + kLanes - 1) / kLanes;

void (*sigint_handler())(int) {
  struct sigaction now {};
  sigaction(SIGINT, nullptr, &now);
  return now.sa_handler;
}

std::size_t history_rows(const std::string& path) {
  const auto bytes = read_bytes(path);
  return cnn::parse_history_csv(std::string(bytes.begin(), bytes.end()), path).size();
}

std::vector<std::string> temporaries(const TempDir& dir) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir.str()))
    if (entry.path().filename().string().find(".tmp.") != std::string::npos)
      found.push_back(entry.path().filename().string());
  return found;
}

} // namespace

TEST_CASE("Ctrl-C finishes the batch, names the last checkpoint and exits 130") {
  TempDir data, whole, parts;
  write_synthetic_data(data.str());
  REQUIRE(run_trainer<Dense>(quick(data, whole.str(), {"--epochs", "3"})).status == 0);
  // A Ctrl-C in the third batch of epoch 2.
  raise_in_call(SIGINT, kTrainCalls + kValidationCalls + 2 * ((50 + kLanes - 1) / kLanes) + 1);
  const auto before = sigint_handler();
  const auto run = run_trainer<SignalledModel>(quick(data, parts.str(), {"--epochs", "3"}));
  INFO(run.out << run.err);
  CHECK(run.status == 130);
  const std::string checkpoint = parts.file("checkpoint.safetensors");
  CHECK_THAT(run.err, Contains("interrupted by SIGINT in epoch 2, after batch 3 of 11") &&
                          Contains("checkpoint is " + checkpoint + " (epoch 1)") &&
                          Contains("--resume " + checkpoint));
  CHECK_THAT(run.out, Contains("Epoch 1/3") && !Contains("Test:"));
  CHECK(cnn::checkpoint_epoch(cnn::read_safetensors(checkpoint)) == 1);
  CHECK_FALSE(std::filesystem::exists(parts.file("weights.safetensors")));
  CHECK(temporaries(parts).empty());
  // The handler that was there before the run is back.
  CHECK(sigint_handler() == before);
  // Resumed, the run ends where an unbroken one does.
  const auto resumed = run_trainer<Dense>(
      {"--data", data.str(), "--resume", checkpoint, "--epochs", "3", "--threads", "1"});
  INFO(resumed.out << resumed.err);
  REQUIRE(resumed.status == 0);
  CHECK(read_bytes(whole.file("weights.safetensors")) ==
        read_bytes(parts.file("weights.safetensors")));
}

TEST_CASE("SIGTERM in the last batch of an epoch keeps that epoch and exits 143") {
  TempDir data, out;
  write_synthetic_data(data.str());
  raise_in_call(SIGTERM, kTrainCalls); // the last training call of epoch 1
  const auto run = run_trainer<SignalledModel>(quick(data, out.str(), {"--epochs", "3"}));
  INFO(run.out << run.err);
  CHECK(run.status == 143);
  CHECK_THAT(run.err, Contains("interrupted by SIGTERM after epoch 1") &&
                          Contains("(epoch 1); continue with --resume"));
  CHECK_THAT(run.out, Contains("Epoch 1/3") && !Contains("Epoch 2/3"));
  CHECK(cnn::checkpoint_epoch(cnn::read_safetensors(out.file("checkpoint.safetensors"))) == 1);
  CHECK(history_rows(out.file("history.csv")) == 1);
}

TEST_CASE("a signal in the first epoch says that no checkpoint was written") {
  TempDir data, out;
  write_synthetic_data(data.str());
  raise_in_call(SIGINT, 1);
  const auto run = run_trainer<SignalledModel>(quick(data, out.str(), {"--epochs", "2"}));
  CHECK(run.status == 130);
  CHECK_THAT(run.err, Contains("in epoch 1, after batch 1 of 11") &&
                          Contains("No checkpoint was written (no epoch completed)."));
  CHECK_FALSE(std::filesystem::exists(out.file("checkpoint.safetensors")));
}

TEST_CASE("a full disk stops the run and leaves the previous checkpoint and history as they were") {
  TempDir data, out;
  write_synthetic_data(data.str());
  REQUIRE(run_trainer<Dense>(quick(data, out.str(), {"--epochs", "2"})).status == 0);
  const auto checkpoint = read_bytes(out.file("checkpoint.safetensors"));
  const auto history = read_bytes(out.file("history.csv"));
  REQUIRE(checkpoint.size() > 64 * 1024); // weights and Adam's two moments: 94 KB
  // Files may not grow past 64 KiB: the next checkpoint cannot be written, as on a full disk.
  // SIGXFSZ is ignored so that the write fails with EFBIG instead of ending the process.
  rlimit saved{};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &saved) == 0);
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 64 * 1024;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
  const auto run = run_trainer<Dense>(
      {"--data", data.str(), "--resume", out.file("checkpoint.safetensors"), "--epochs", "4"});
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous_handler);
  INFO(run.out << run.err);
  CHECK(run.status == 1);
  CHECK_THAT(run.err, Contains(out.file("checkpoint.safetensors") + ": write error (") &&
                          Contains("the previous file is unchanged"));
  CHECK(read_bytes(out.file("checkpoint.safetensors")) == checkpoint);
  CHECK(read_bytes(out.file("history.csv")) == history);
  CHECK(temporaries(out).empty());
}

TEST_CASE("a write removes the temporary files that killed writers left beside its file") {
  TempDir dir;
  // The process id of a process that has ended.
  const pid_t ended = fork();
  if (ended == 0) _exit(0);
  REQUIRE(ended > 0);
  waitpid(ended, nullptr, 0);
  const std::string stale = dir.file("history.csv.tmp." + std::to_string(ended));
  const std::string running = dir.file("history.csv.tmp." + std::to_string(getppid()));
  const std::string other = dir.file("weights.safetensors.tmp." + std::to_string(ended));
  const std::string not_ours = dir.file("history.csv.tmp.notes");
  for (const auto& path : {stale, running, other, not_ours}) write_bytes(path, {1, 2, 3});
  cnn::write_file_atomically(dir.file("history.csv"), "epoch\n");
  CHECK_FALSE(std::filesystem::exists(stale));
  CHECK(std::filesystem::exists(running)); // its writer may still be writing
  CHECK(std::filesystem::exists(other));   // another file's: removed when that file is written
  CHECK(std::filesystem::exists(not_ours));
  CHECK(read_bytes(dir.file("history.csv")) ==
        std::vector<std::uint8_t>{'e', 'p', 'o', 'c', 'h', '\n'});
}

namespace {

// Runs the trainer in a child process with its output discarded; returns the child's id.
pid_t start_trainer(const std::vector<std::string>& args) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  const int null = open("/dev/null", O_WRONLY);
  dup2(null, 1);
  dup2(null, 2);
  std::vector<const char*> argv{"crash-train"};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  _exit(cnn::trainer_main<Dense>(static_cast<int>(argv.size()), argv.data()));
}

int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

} // namespace

TEST_CASE("SIGKILL at random moments never loses the last checkpoint, and resuming ends "
          "bit-identical") {
  TempDir data, whole, crashed;
  write_synthetic_data(data.str());
  const int epochs = 20;
  auto args = [&](const TempDir& out, bool resume) {
    std::vector<std::string> common{"--data",    data.str(), "--batch",  "50",
                                    "--lr",      "0.01",     "--epochs", std::to_string(epochs),
                                    "--threads", "2"};
    if (resume) {
      common.insert(common.end(), {"--resume", out.file("checkpoint.safetensors")});
    } else {
      common.insert(common.end(), {"--out", out.str(), "--overwrite"});
    }
    return common;
  };
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(WIFEXITED(wait_for(start_trainer(args(whole, false)))));
  const auto unbroken = std::chrono::steady_clock::now() - start;
  REQUIRE(std::filesystem::exists(whole.file("weights.safetensors")));

  // Kill moments up to two epochs' time into a run, so that most runs die and each kill lands
  // anywhere: reading data, in a batch, validating, writing the checkpoint or the history.
  std::mt19937 random(20261128);
  const auto epoch_time = std::chrono::duration_cast<std::chrono::microseconds>(unbroken) / epochs;
  std::uniform_int_distribution<long> moment(0, 2 * epoch_time.count());
  // 30 kills; a run that ends before its kill is checked and the next one starts afresh.
  int last_epoch = 0, kills = 0, completed = 0;
  auto check_completed = [&] {
    CHECK(last_epoch == epochs);
    CHECK(read_bytes(whole.file("weights.safetensors")) ==
          read_bytes(crashed.file("weights.safetensors")));
    CHECK(history_rows(crashed.file("history.csv")) == epochs);
    CHECK(temporaries(crashed).empty());
    ++completed;
  };
  for (bool killing = true; killing || completed == 0;) {
    const bool resume = std::filesystem::exists(crashed.file("checkpoint.safetensors"));
    const pid_t pid = start_trainer(args(crashed, resume));
    if (killing) {
      std::this_thread::sleep_for(std::chrono::microseconds(moment(random)));
      kill(pid, SIGKILL);
    }
    const int status = wait_for(pid);
    if (WIFSIGNALED(status)) {
      REQUIRE(WTERMSIG(status) == SIGKILL);
      killing = ++kills < 30;
    } else {
      INFO("trainer exit status " << WEXITSTATUS(status));
      REQUIRE(WEXITSTATUS(status) == 0);
    }
    // Whatever the moment, the checkpoint on disk (once there is one) is whole and never older
    // than the last one seen.
    if (std::filesystem::exists(crashed.file("checkpoint.safetensors"))) {
      const int epoch =
          cnn::checkpoint_epoch(cnn::read_safetensors(crashed.file("checkpoint.safetensors")));
      CHECK(epoch >= last_epoch);
      last_epoch = epoch;
    }
    if (WIFEXITED(status)) {
      check_completed();
      for (const auto& entry : std::filesystem::directory_iterator(crashed.str()))
        std::filesystem::remove(entry.path());
      last_epoch = 0;
    }
  }
  CHECK(kills == 30);
}
