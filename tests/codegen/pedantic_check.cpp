// Compiled (not run) by the pedantic-compile tests: several generated headers in one unit,
// every entry point instantiated for training (float, 8 lanes) and checks (double, 2 lanes), and
// forward for inference (ForwardWorkspace).
#include "activations/activations.hpp"
#include "mnist/mnist.hpp"
#include "padding/padding.hpp"
#include "pools/pools.hpp"
#include "sigmoid_mae/sigmoid_mae.hpp"
#include "strides/strides.hpp"

template <typename M, typename T, int L>
void instantiate(const T* params, const T* input, const T* target, T* grads, T* loss) {
  static typename M::template Workspace<T, L> ws;
  M::forward(params, input, ws);
  M::loss(ws, target, L, loss);
  M::backward(params, target, L, ws, grads);
  static typename M::template ForwardWorkspace<T, L> inference;
  M::template forward<T, L>(params, input, inference);
}

template <typename M>
void both(const float* pf, const double* pd, float* gf, double* gd) {
  instantiate<M, float, 8>(pf, pf, pf, gf, gf);
  instantiate<M, double, 2>(pd, pd, pd, gd, gd);
}

void instantiate_all(const float* pf, const double* pd, float* gf, double* gd) {
  both<cnn::activations::Model>(pf, pd, gf, gd);
  both<cnn::mnist::Model>(pf, pd, gf, gd);
  both<cnn::padding::Model>(pf, pd, gf, gd);
  both<cnn::pools::Model>(pf, pd, gf, gd);
  both<cnn::sigmoid_mae::Model>(pf, pd, gf, gd);
  both<cnn::strides::Model>(pf, pd, gf, gd);
}
