// A zero-initialised, 64-byte aligned float array: the parameter, gradient and lane buffers.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>

namespace cnn {

class AlignedFloats {
public:
  AlignedFloats() = default;
  explicit AlignedFloats(std::size_t size)
      : size_(size), data_(static_cast<float*>(::operator new[](sizeof(float) * (size ? size : 1),
                                                                std::align_val_t{64}))) {
    zero();
  }
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  float& operator[](std::size_t i) { return data_[i]; }
  float operator[](std::size_t i) const { return data_[i]; }
  void zero() {
    if (size_) std::memset(data_.get(), 0, sizeof(float) * size_);
  }

private:
  struct Free {
    void operator()(float* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  std::size_t size_ = 0;
  std::unique_ptr<float[], Free> data_;
};

} // namespace cnn
