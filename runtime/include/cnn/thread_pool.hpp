// A persistent pool of worker threads that all run one job at a time, each knowing its index,
// so work can be split in a fixed way and reduced in a fixed order.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cnn {

class ThreadPool {
public:
  // `workers` >= 1; worker 0 is the calling thread, the others are started once here.
  explicit ThreadPool(int workers);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return workers_; }

  // Runs job(worker) for every worker index in [0, size()) and returns when all are done.
  // The first exception a worker throws is rethrown here.
  void run(const std::function<void(int)>& job);

private:
  void loop(int worker);

  int workers_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(int)>* job_ = nullptr;
  // Written under the mutex; read without it while a thread spins before it sleeps.
  std::atomic<unsigned long> generation_ = 0;
  std::atomic<int> pending_ = 0;
  std::atomic<bool> stopping_ = false;
  std::exception_ptr error_;
};

// The default thread count: every core the system reports (at least 1).
int default_thread_count();

} // namespace cnn
