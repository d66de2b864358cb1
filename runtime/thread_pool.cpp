// A persistent pool: a generation count tells the workers a new job has started, and a count
// of pending workers tells the caller it has ended. A thread waiting for either spins for a
// short while before it sleeps on a condition variable: a training step hands work to the
// pool several times a millisecond, and waking a sleeping thread takes tens of microseconds
// (more in a virtual machine), which would eat a share of every step.
#include "cnn/thread_pool.hpp"

#include <chrono>

namespace cnn {
namespace {

// Whether `ready()` became true within the spin time (checking the clock every 64 tries).
template <class Ready>
bool spin_until(const Ready& ready) {
  constexpr auto kSpin = std::chrono::microseconds(100);
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    if (std::chrono::steady_clock::now() > until) return ready();
  }
}

} // namespace

ThreadPool::ThreadPool(int workers) : workers_(workers < 1 ? 1 : workers) {
  for (int w = 1; w < workers_; ++w) threads_.emplace_back([this, w] { loop(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  start_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void ThreadPool::run(const std::function<void(int)>& job) {
  {
    std::lock_guard lock(mutex_);
    job_ = &job;
    pending_ = workers_ - 1;
    error_ = nullptr;
    ++generation_;
  }
  start_.notify_all();
  std::exception_ptr own_error;
  try {
    job(0);
  } catch (...) {
    own_error = std::current_exception();
  }
  auto finished = [this] { return pending_.load(std::memory_order_acquire) == 0; };
  spin_until(finished);
  std::unique_lock lock(mutex_);
  done_.wait(lock, finished);
  job_ = nullptr;
  if (own_error) std::rethrow_exception(own_error);
  if (error_) std::rethrow_exception(error_);
}

void ThreadPool::loop(int worker) {
  unsigned long seen = 0;
  for (;;) {
    const std::function<void(int)>* job;
    auto started = [&] { return stopping_ || generation_.load(std::memory_order_acquire) != seen; };
    spin_until(started);
    {
      std::unique_lock lock(mutex_);
      start_.wait(lock, started);
      if (stopping_) return;
      seen = generation_;
      job = job_;
    }
    std::exception_ptr error;
    try {
      (*job)(worker);
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      if (error && !error_) error_ = error;
      --pending_;
    }
    done_.notify_one();
  }
}

int default_thread_count() {
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

} // namespace cnn
