// The code generator's pieces: the indenting writer, index expressions, the unroll policy and
// the channel blocks.
#include <catch2/catch.hpp>

#include "codegen/affine.hpp"
#include "codegen/code_writer.hpp"
#include "codegen/unroll.hpp"
#include "layers/kernel.hpp"

using namespace cnnc;

TEST_CASE("a scope prints its braces, indents its body and names what it closes") {
  CodeWriter out;
  out.open_scope("for (int i = 0; i < 4; ++i)");
  out.line("f(i);");
  out.close_scope("for i");
  CHECK(out.text() == "for (int i = 0; i < 4; ++i) {\n  f(i);\n} // for i\n");
}

TEST_CASE("consecutive lane statements share one lane loop") {
  CodeWriter out;
  out.lane("a[l] = 1;");
  out.lane("b[l] = 2;");
  out.line("g();");
  out.lane("c[l] = 3;");
  CHECK(out.text() == "CNNC_LANES for (int l = 0; l < L; ++l) {\n  a[l] = 1;\n  b[l] = 2;\n}\n"
                      "g();\nCNNC_LANES for (int l = 0; l < L; ++l) c[l] = 3;\n");
}

TEST_CASE("a lane break starts a new lane loop") {
  CodeWriter out;
  out.lane("a[l] = 1;");
  out.lane_break();
  out.lane("b[l] = 2;");
  CHECK(out.text() == "CNNC_LANES for (int l = 0; l < L; ++l) a[l] = 1;\n"
                      "CNNC_LANES for (int l = 0; l < L; ++l) b[l] = 2;\n");
}

TEST_CASE("closing a scope that was never opened is a programming error") {
  CodeWriter out;
  CHECK_THROWS_AS(out.close_scope(), std::logic_error);
}

TEST_CASE("a braced list starts a line per group and aligns it under the first field") {
  CodeWriter out;
  out.braced("    ", {{".a = 1", ".b = 2"}, {".c = {3, 4}"}}, ",");
  CHECK(out.text() == "    {.a = 1, .b = 2,\n     .c = {3, 4}},\n");
}

TEST_CASE("a braced list wraps a group wider than the line") {
  CodeWriter out;
  const std::string wide(60, 'x');
  out.braced(".v = ", {{".a = " + wide, ".b = " + wide}}, ";");
  CHECK(out.text() == ".v = {.a = " + wide + ",\n      .b = " + wide + "};\n");
}

TEST_CASE("a braced list without fields is a pair of braces") {
  CodeWriter out;
  out.braced("x = ", {{}, {}}, ";");
  CHECK(out.text() == "x = {};\n");
}

TEST_CASE("index expressions fold bound variables into the constant") {
  const Affine oy = Affine::var("oy"), ox = Affine::var("ox");
  const Affine index = (oy * 2 + 1) * 28 + ox + 3;
  CHECK(index.str() == "oy * 56 + ox + 31");
  CHECK(index.str({{"oy", 2}}) == "ox + 143");
  CHECK(index.str({{"oy", 2}, {"ox", 1}}) == "144");
  CHECK((oy - oy).str() == "0");
  CHECK((Affine(5) - ox * 2).str() == "-ox * 2 + 5");
}

TEST_CASE("the unroll policy unrolls from the innermost loop while the budget allows") {
  const auto plan = plan_loops({{"oy", 24}, {"ox", 24}, {"c", 10}}, 10, 256);
  CHECK_FALSE(plan[0].unrolled);
  CHECK_FALSE(plan[1].unrolled);
  CHECK(plan[2].unrolled); // 10 x 10 = 100 statements fit; 24 x 100 do not
  CHECK(unrolled_statements(plan, 10) == 100);
}

TEST_CASE("the filter window is unrolled whatever the budget") {
  const auto plan = plan_loops({{"c", 10}, {"ky", 5, true}, {"kx", 5, true}}, 10, 16);
  CHECK_FALSE(plan[0].unrolled);
  CHECK(plan[1].unrolled);
  CHECK(plan[2].unrolled);
}

TEST_CASE("a loop that does not fit keeps every loop outside it rolled") {
  const auto plan = plan_loops({{"a", 2}, {"b", 100}, {"c", 3}}, 1, 50);
  CHECK_FALSE(plan[0].unrolled); // 2 x 3 would fit, but b stands between
  CHECK_FALSE(plan[1].unrolled);
  CHECK(plan[2].unrolled);
}

TEST_CASE("a full budget unrolls everything and one-trip loops are always unrolled") {
  const auto full = plan_loops({{"a", 30}, {"b", 30}}, 4, std::int64_t(1) << 40);
  CHECK((full[0].unrolled && full[1].unrolled));
  const auto single = plan_loops({{"a", 1}, {"b", 1000}}, 1, 10);
  CHECK(single[0].unrolled);
  CHECK_FALSE(single[1].unrolled);
}

TEST_CASE("an unrolled loop repeats its body with the index bound; a rolled one is a for loop") {
  CodeWriter out;
  Bindings bindings;
  emit_loop(out, {"k", 2, true}, bindings,
            [&] { out.line("x += " + Affine::var("k").str(bindings) + ";"); });
  emit_loop(out, {"k", 3, false}, bindings,
            [&] { out.line("x += " + Affine::var("k").str(bindings) + ";"); });
  CHECK(out.text() == "x += 0;\nx += 1;\nfor (int k = 0; k < 3; ++k) {\n  x += k;\n} // for k\n");
}

TEST_CASE("output channels split into even blocks that fit the registers when they can") {
  const Blocks twenty = split_blocks(20, 12);
  CHECK((twenty.count == 2 && twenty.size == 10 && twenty.even()));
  const Blocks hundred = split_blocks(100, 12);
  CHECK((hundred.count == 10 && hundred.size == 10));
  const Blocks six = split_blocks(6, 12);
  CHECK((six.count == 1 && six.size == 6));
  const Blocks thirteen = split_blocks(13, 12); // prime: uneven blocks 7 + 6
  CHECK((thirteen.count == 2 && thirteen.size == 7 && thirteen.last_size == 6));
}
