// The contract between cnnc and the runtime, the one place their shared vocabulary is written:
// the kinds of initializer, loss and optimizer with their .cnn keywords and C++ enumerator
// names, and the plain descriptions of tensors, layers and the training setup that generated
// headers fill (with designated initializers) and the runtime reads. cnnc's dsl/ and codegen/
// include it too. Standard library only, C++20.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace cnn {

enum class InitKind {
  Zeros,
  Ones,
  GlorotUniform, // U(-l, l), l = sqrt(6 / (fan_in + fan_out))
  GlorotNormal,  // truncated N(0, sqrt(2 / (fan_in + fan_out)))
  HeNormal,      // truncated N(0, sqrt(2 / fan_in))
  HeUniform,     // U(-l, l), l = sqrt(6 / fan_in)
  LecunNormal,   // truncated N(0, sqrt(1 / fan_in))
  LecunUniform,  // U(-l, l), l = sqrt(3 / fan_in)
  Normal,        // N(0, param)
  Uniform,       // U(-param, param)
  Constant,      // param
};

enum class LossKind {
  CategoricalCrossentropy,
  BinaryCrossentropy,
  MeanSquaredError,
  MeanAbsoluteError,
};

enum class OptimizerKind { Sgd, Momentum, Nesterov, Adagrad, Rmsprop, Adam };

// The learning rate of epoch e = 1, 2, ... of E, from the optimizer's: Constant; Step:
// lr * factor^floor((e-1)/every); Exponential: lr * factor^(e-1); Cosine: lr * e/warmup for the
// first `warmup` epochs, then min_lr + (lr - min_lr) * (1 + cos(pi * (e-1-warmup)/(E-warmup))) / 2.
enum class ScheduleKind { Constant, Step, Exponential, Cosine };

// What early stopping watches.
enum class MonitorKind { ValLoss, ValAcc, ValMae };

// A kind's two spellings: its keyword in .cnn files (also in summaries and checkpoints), and its
// enumerator in C++ (`GlorotUniform` in `cnn::InitKind::GlorotUniform`), for generated code.
template <typename Kind>
struct KindName {
  Kind kind;
  std::string_view keyword;
  std::string_view enumerator;
};

// Each table lists its enumeration in declaration order (checked below).
inline constexpr KindName<InitKind> kInitKindNames[] = {
    {InitKind::Zeros, "zeros", "Zeros"},
    {InitKind::Ones, "ones", "Ones"},
    {InitKind::GlorotUniform, "glorot_uniform", "GlorotUniform"},
    {InitKind::GlorotNormal, "glorot_normal", "GlorotNormal"},
    {InitKind::HeNormal, "he_normal", "HeNormal"},
    {InitKind::HeUniform, "he_uniform", "HeUniform"},
    {InitKind::LecunNormal, "lecun_normal", "LecunNormal"},
    {InitKind::LecunUniform, "lecun_uniform", "LecunUniform"},
    {InitKind::Normal, "normal", "Normal"},
    {InitKind::Uniform, "uniform", "Uniform"},
    {InitKind::Constant, "constant", "Constant"},
};

inline constexpr KindName<LossKind> kLossKindNames[] = {
    {LossKind::CategoricalCrossentropy, "categorical_crossentropy", "CategoricalCrossentropy"},
    {LossKind::BinaryCrossentropy, "binary_crossentropy", "BinaryCrossentropy"},
    {LossKind::MeanSquaredError, "mse", "MeanSquaredError"},
    {LossKind::MeanAbsoluteError, "mae", "MeanAbsoluteError"},
};

// Other keywords that name a loss in .cnn files.
struct LossAlias {
  std::string_view keyword;
  LossKind kind;
};
inline constexpr LossAlias kLossAliases[] = {
    {"l2", LossKind::MeanSquaredError},
    {"l1", LossKind::MeanAbsoluteError},
};

inline constexpr KindName<OptimizerKind> kOptimizerKindNames[] = {
    {OptimizerKind::Sgd, "sgd", "Sgd"},
    {OptimizerKind::Momentum, "momentum", "Momentum"},
    {OptimizerKind::Nesterov, "nesterov", "Nesterov"},
    {OptimizerKind::Adagrad, "adagrad", "Adagrad"},
    {OptimizerKind::Rmsprop, "rmsprop", "Rmsprop"},
    {OptimizerKind::Adam, "adam", "Adam"},
};

inline constexpr KindName<ScheduleKind> kScheduleKindNames[] = {
    {ScheduleKind::Constant, "constant", "Constant"},
    {ScheduleKind::Step, "step", "Step"},
    {ScheduleKind::Exponential, "exponential", "Exponential"},
    {ScheduleKind::Cosine, "cosine", "Cosine"},
};

inline constexpr KindName<MonitorKind> kMonitorKindNames[] = {
    {MonitorKind::ValLoss, "val_loss", "ValLoss"},
    {MonitorKind::ValAcc, "val_acc", "ValAcc"},
    {MonitorKind::ValMae, "val_mae", "ValMae"},
};

namespace detail {

template <typename Kind, std::size_t N>
constexpr bool in_declaration_order(const KindName<Kind> (&names)[N]) {
  for (std::size_t i = 0; i < N; ++i)
    if (static_cast<std::size_t>(names[i].kind) != i) return false;
  return true;
}

// The names of `kind`; "?" for a value outside the enumeration.
template <typename Kind, std::size_t N>
constexpr KindName<Kind> names_of(const KindName<Kind> (&names)[N], Kind kind) {
  for (const auto& entry : names)
    if (entry.kind == kind) return entry;
  return {kind, "?", "?"};
}

template <typename Kind, std::size_t N>
constexpr std::optional<Kind> kind_named(const KindName<Kind> (&names)[N],
                                         std::string_view keyword) {
  for (const auto& entry : names)
    if (entry.keyword == keyword) return entry.kind;
  return std::nullopt;
}

} // namespace detail

static_assert(detail::in_declaration_order(kInitKindNames));
static_assert(detail::in_declaration_order(kLossKindNames));
static_assert(detail::in_declaration_order(kOptimizerKindNames));
static_assert(detail::in_declaration_order(kScheduleKindNames));
static_assert(detail::in_declaration_order(kMonitorKindNames));

constexpr std::string_view keyword(InitKind kind) {
  return detail::names_of(kInitKindNames, kind).keyword;
}
constexpr std::string_view keyword(LossKind kind) {
  return detail::names_of(kLossKindNames, kind).keyword;
}
constexpr std::string_view keyword(OptimizerKind kind) {
  return detail::names_of(kOptimizerKindNames, kind).keyword;
}

constexpr std::string_view keyword(ScheduleKind kind) {
  return detail::names_of(kScheduleKindNames, kind).keyword;
}
constexpr std::string_view keyword(MonitorKind kind) {
  return detail::names_of(kMonitorKindNames, kind).keyword;
}

constexpr std::string_view enumerator(InitKind kind) {
  return detail::names_of(kInitKindNames, kind).enumerator;
}
constexpr std::string_view enumerator(LossKind kind) {
  return detail::names_of(kLossKindNames, kind).enumerator;
}
constexpr std::string_view enumerator(OptimizerKind kind) {
  return detail::names_of(kOptimizerKindNames, kind).enumerator;
}
constexpr std::string_view enumerator(ScheduleKind kind) {
  return detail::names_of(kScheduleKindNames, kind).enumerator;
}
constexpr std::string_view enumerator(MonitorKind kind) {
  return detail::names_of(kMonitorKindNames, kind).enumerator;
}

// The kind a .cnn keyword names, if any (a loss also by its aliases: `l2` is `mse`).
constexpr std::optional<InitKind> init_kind_named(std::string_view keyword) {
  return detail::kind_named(kInitKindNames, keyword);
}
constexpr std::optional<LossKind> loss_kind_named(std::string_view keyword) {
  for (const auto& alias : kLossAliases)
    if (alias.keyword == keyword) return alias.kind;
  return detail::kind_named(kLossKindNames, keyword);
}
constexpr std::optional<OptimizerKind> optimizer_kind_named(std::string_view keyword) {
  return detail::kind_named(kOptimizerKindNames, keyword);
}

struct Initializer {
  InitKind kind = InitKind::GlorotUniform; // Keras' default for kernels
  double param = 0; // stddev (Normal), limit (Uniform), value (Constant); unused otherwise
  bool operator==(const Initializer&) const = default;
};

// One parameter tensor inside the flat parameter block.
struct TensorInfo {
  const char* name;  // "conv2d_1.kernel"
  const char* layer; // "conv2d_1"
  const char* role;  // "kernel" or "bias"
  std::size_t offset;
  std::size_t size;
  int rank;
  int dims[4]; // Keras layout: conv kernel (kh, kw, in_c, out_c); dense kernel (in, out); bias (n)
  int fan_in;
  int fan_out;
  Initializer init;
  bool trainable = true; // false: the optimizer leaves it alone (e.g. a moving mean)
  double l2 = 0.0;       // L2 regularization factor: the loss gains l2 * sum(w^2), the
                         // gradient 2 * l2 * w (Keras' kernel_regularizer=l2(x))
  // Fixed values (`size` of them) given in the model file (a conv2d's `filter` lines): the
  // tensor starts from them instead of `init`, and is not trainable. nullptr for the others.
  const float* values = nullptr;
};

struct LayerInfo {
  const char* name; // "conv2d_1"
  const char* kind; // Keras class name: "Conv2D", "MaxPooling2D", "Dense", ...
  int rank;         // 3 for (h, w, c) outputs, 1 for vectors
  int out_dims[3];  // (h, w, c), or (n, 0, 0)
  std::size_t params;
  int first_tensor; // index into the tensor table
  int tensor_count;
  std::uint64_t forward_flops; // per sample, multiply and add counted as two
  std::uint64_t backward_flops;
};

struct OptimizerConfig {
  OptimizerKind kind;
  double learning_rate;
  double momentum;            // Momentum, Nesterov
  double rho;                 // RMSprop
  double beta1;               // Adam
  double beta2;               // Adam
  double epsilon;             // AdaGrad, RMSprop, Adam
  double initial_accumulator; // AdaGrad
};

struct ScheduleConfig {
  ScheduleKind kind = ScheduleKind::Constant;
  int every = 10;      // Step
  double factor = 0.5; // Step: the multiplier every `every` epochs; Exponential: the rate per epoch
  double min_lr = 0;   // Cosine
  int warmup = 0;      // Cosine: epochs of linear warmup
};

// Keras' EarlyStopping callback.
struct EarlyStoppingConfig {
  bool enabled = false;
  MonitorKind monitor = MonitorKind::ValLoss;
  int patience = 0;
  double min_delta = 0;
  bool restore_best_weights = true;
};

// Random changes to training samples only: shifts of up to `shift` pixels per axis with zero
// fill, and mirroring with probability 1/2.
struct AugmentConfig {
  int shift = 0;
  bool flip_horizontal = false;
  bool flip_vertical = false;
};

struct TrainingConfig {
  LossKind loss;
  OptimizerConfig optimizer;
  int batch_size;
  int epochs;
  long validation_count;      // samples held out of the training set; 0 when given as a fraction
  double validation_fraction; // fraction held out; 0 when given as a count
  std::uint64_t seed;
  ScheduleConfig schedule{};
  EarlyStoppingConfig early_stopping{};
  AugmentConfig augment{};
};

// Dropout's random numbers, shared by the generated code, the trainer and the tests: the
// `counter`-th output of SplitMix64's stream started at `seed` (state seed + counter * golden
// gamma, then SplitMix64's finalizer). Counter-based, so a mask needs no state: a lane's seed
// and the (layer, unit) counter decide it.
constexpr std::uint64_t splitmix64(std::uint64_t seed, std::uint64_t counter) {
  std::uint64_t z = seed + (counter + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A uniform double in [0, 1) (53 bits) from splitmix64(seed, counter).
constexpr double counter_uniform(std::uint64_t seed, std::uint64_t counter) {
  return static_cast<double>(splitmix64(seed, counter) >> 11) * 0x1.0p-53;
}

// The counter of unit `unit` of the layer at index `layer` (kLayers' order): dropout keeps the
// unit of a lane with seed s when counter_uniform(s, dropout_counter(layer, unit)) >= rate.
constexpr std::uint64_t dropout_counter(int layer, long unit) {
  return (static_cast<std::uint64_t>(layer) << 40) + static_cast<std::uint64_t>(unit);
}

} // namespace cnn
