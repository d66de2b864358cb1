// Too little memory is a message and exit status 1, never an abort: a training run under an
// address-space limit, on a legitimate data file larger than the limit.
#include "dense_model.hpp"
#include "run_trainer.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using Catch::Matchers::Contains;
using namespace cnn::test;

// Sanitizers reserve terabytes of address space and abort on a failed allocation, so the limit
// can only be tested without them.
#if defined(__SANITIZE_ADDRESS__)
#define CNNC_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define CNNC_TEST_SANITIZED 1
#endif
#endif

#ifndef CNNC_TEST_SANITIZED
TEST_CASE("a data set larger than the memory there is stops with a message and exit 1") {
  TempDir data, out;
  // 600,000 images of 28x28 zeros: 470 MB inflated, about 0.5 MB gzipped, written in pieces.
  std::vector<std::uint8_t> header;
  for (const std::uint32_t word : {0x00000803u, 600000u, 28u, 28u}) put_u32(header, word);
  gzFile file = gzopen(data.file("train-images-idx3-ubyte.gz").c_str(), "wb");
  REQUIRE(file != nullptr);
  gzwrite(file, header.data(), static_cast<unsigned>(header.size()));
  const std::vector<std::uint8_t> zeros(28 * 28 * 1000, 0);
  for (int i = 0; i < 600; ++i) gzwrite(file, zeros.data(), static_cast<unsigned>(zeros.size()));
  gzclose(file);
  write_synthetic_split(data.str(), "t10k", 10, 2);
  std::filesystem::copy_file(data.file("t10k-labels-idx1-ubyte.gz"),
                             data.file("train-labels-idx1-ubyte.gz"));
  const pid_t child = fork();
  if (child == 0) {
    // 256 MiB of address space in all: the inflated images cannot fit.
    rlimit limit{std::size_t{256} << 20, std::size_t{256} << 20};
    setrlimit(RLIMIT_AS, &limit);
    const int err = open(out.file("err.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(err, 2);
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    std::vector<std::string> args{"--data", data.str(), "--out", out.file("run"), "--threads", "1"};
    std::vector<const char*> argv{"memory-train"};
    for (const auto& arg : args) argv.push_back(arg.c_str());
    _exit(cnn::trainer_main<cnn::dense::Model>(static_cast<int>(argv.size()), argv.data()));
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  const auto err = read_bytes(out.file("err.txt"));
  const std::string message(err.begin(), err.end());
  INFO(message);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  CHECK_THAT(message, Contains("train-images-idx3-ubyte.gz: not enough memory to read it"));
}
#endif
