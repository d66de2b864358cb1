// The persistent thread pool: each worker index runs once per job on its own thread, the same
// threads serve every job, and a worker's exception reaches the caller.
#include "cnn/thread_pool.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <stdexcept>

TEST_CASE("every worker index runs once per job, each on its own persistent thread") {
  cnn::ThreadPool pool(3);
  REQUIRE(pool.size() == 3);
  std::vector<std::thread::id> first(3), second(3);
  std::vector<int> runs(3, 0);
  pool.run([&](int w) {
    first[static_cast<std::size_t>(w)] = std::this_thread::get_id();
    ++runs[static_cast<std::size_t>(w)];
  });
  pool.run([&](int w) {
    second[static_cast<std::size_t>(w)] = std::this_thread::get_id();
    ++runs[static_cast<std::size_t>(w)];
  });
  CHECK(runs == std::vector<int>{2, 2, 2});
  CHECK(std::set<std::thread::id>(first.begin(), first.end()).size() == 3);
  CHECK(first == second);                        // no thread per job
  CHECK(first[0] == std::this_thread::get_id()); // worker 0 is the caller
}

TEST_CASE("a worker's exception is rethrown by run and the pool stays usable") {
  cnn::ThreadPool pool(2);
  CHECK_THROWS_WITH(pool.run([](int w) {
    if (w == 1) throw std::runtime_error("worker 1 failed");
  }),
                    "worker 1 failed");
  int ran = 0;
  pool.run([&](int w) {
    if (w == 0) ++ran;
  });
  CHECK(ran == 1);
}

TEST_CASE("a pool asked for no threads still has the calling thread") {
  cnn::ThreadPool pool(0);
  CHECK(pool.size() == 1);
  int ran = 0;
  pool.run([&](int) { ++ran; });
  CHECK(ran == 1);
}
