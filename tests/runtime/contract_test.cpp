// The contract header's names: every kind has one keyword and one enumerator, and a keyword
// names its kind back.
#include "cnn/model_info.hpp"

#include <catch2/catch.hpp>

namespace {

template <typename Kind, std::size_t N, typename Named>
void check_round_trip(const cnn::KindName<Kind> (&names)[N], Named named) {
  for (const auto& entry : names) {
    INFO(entry.keyword);
    CHECK(cnn::keyword(entry.kind) == entry.keyword);
    CHECK(cnn::enumerator(entry.kind) == entry.enumerator);
    CHECK(named(entry.keyword) == entry.kind);
  }
}

} // namespace

TEST_CASE("every initializer, loss and optimizer keyword names its kind back") {
  check_round_trip(cnn::kInitKindNames, cnn::init_kind_named);
  check_round_trip(cnn::kLossKindNames, cnn::loss_kind_named);
  check_round_trip(cnn::kOptimizerKindNames, cnn::optimizer_kind_named);
}

TEST_CASE("l2 and l1 name the squared and absolute error losses") {
  STATIC_REQUIRE(cnn::loss_kind_named("l2") == cnn::LossKind::MeanSquaredError);
  STATIC_REQUIRE(cnn::loss_kind_named("l1") == cnn::LossKind::MeanAbsoluteError);
  STATIC_REQUIRE(cnn::keyword(cnn::LossKind::MeanSquaredError) == "mse");
}

TEST_CASE("a word that names no kind names none") {
  CHECK_FALSE(cnn::init_kind_named("xavier").has_value());
  CHECK_FALSE(cnn::loss_kind_named("cross_entropy").has_value());
  CHECK_FALSE(cnn::optimizer_kind_named("RMSprop").has_value());
  CHECK(cnn::enumerator(cnn::OptimizerKind::Rmsprop) == "Rmsprop");
}

TEST_CASE("a tensor is trainable and unregularized unless its table says otherwise") {
  constexpr cnn::TensorInfo tensor{.name = "d.bias",
                                   .layer = "d",
                                   .role = "bias",
                                   .offset = 0,
                                   .size = 4,
                                   .rank = 1,
                                   .dims = {4, 0, 0, 0},
                                   .fan_in = 4,
                                   .fan_out = 4,
                                   .init = {}};
  STATIC_REQUIRE(tensor.trainable);
  STATIC_REQUIRE(tensor.l2 == 0.0);
  STATIC_REQUIRE(tensor.init == cnn::Initializer{cnn::InitKind::GlorotUniform, 0.0});
}
