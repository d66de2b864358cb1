// classify WEIGHTS IMAGE: the digit in IMAGE (PNG, JPEG, BMP; 28x28 grey) according to the
// lecture's network with the trained WEIGHTS (weights.safetensors or checkpoint.safetensors
// from digits-train), then the probability of every class.
// Exit status: 0 ok, 1 an unreadable or unfitting file, 2 a usage error.
#include "digits/digits.hpp"

#include "cnn/dataset.hpp"
#include "cnn/errors.hpp"
#include "cnn/predictor.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace {

using Model = cnn::digits::Model;

int classify(const std::string& weights_path, const std::string& image_path) {
  cnn::Predictor<Model> net(weights_path);
  const cnn::Image image = cnn::read_image(image_path, Model::kInputC);
  if (image.height != Model::kInputH || image.width != Model::kInputW)
    throw cnn::DataError(fmt::format("{}: the image is {}x{}; the network reads {}x{}", image_path,
                                     image.height, image.width, Model::kInputH, Model::kInputW));

  const std::vector<float> probabilities = net.probabilities(image);
  const int predicted = net.classify(image);
  fmt::print("class {} (p = {:.4f})\n", net.class_name(predicted),
             probabilities[static_cast<std::size_t>(predicted)]);
  for (int k = 0; k < Model::kOutputSize; ++k)
    fmt::print("  {:<8} {:.4f}{}\n", net.class_name(k), probabilities[static_cast<std::size_t>(k)],
               k == predicted ? "  <" : "");
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fmt::print(stderr, "usage: classify WEIGHTS IMAGE\n"
                       "  WEIGHTS  weights.safetensors (or checkpoint) written by digits-train\n"
                       "  IMAGE    a 28x28 image of a digit, white on black (PNG, JPEG, BMP)\n");
    return 2;
  }
  try {
    return classify(argv[1], argv[2]);
  } catch (const cnn::DataError& error) {
    fmt::print(stderr, "classify: error: {}\n", error.what());
    return 1;
  }
}
