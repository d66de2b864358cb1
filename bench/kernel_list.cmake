# Lists the layer kernels of a generated model header, for the model's benchmark: one line
# CNNC_BENCH_KERNEL(<layer>, forward|backward) per static member function <layer>_forward or
# <layer>_backward, in the header's order. Run at build time by cnn_add_model_bench():
#   cmake -DHEADER=<name>.hpp -DOUTPUT=<name>_kernels.inc -P kernel_list.cmake
# The file is rewritten only when the list changes, so that a regenerated header with the same
# kernels does not recompile the benchmark twice.
if(NOT HEADER OR NOT OUTPUT)
  message(FATAL_ERROR "kernel_list.cmake: set HEADER and OUTPUT")
endif()
set(pattern "static void ([A-Za-z_][A-Za-z0-9_]*)_(forward|backward)\\(")
file(STRINGS ${HEADER} lines REGEX "${pattern}")
set(text "// The layer kernels of ${HEADER}, listed by bench/kernel_list.cmake.\n")
set(count 0)
foreach(line IN LISTS lines)
  if(line MATCHES "${pattern}")
    string(APPEND text "CNNC_BENCH_KERNEL(${CMAKE_MATCH_1}, ${CMAKE_MATCH_2})\n")
    math(EXPR count "${count} + 1")
  endif()
endforeach()
if(count EQUAL 0)
  message(FATAL_ERROR "kernel_list.cmake: no <layer>_forward or <layer>_backward kernel in ${HEADER}")
endif()
file(WRITE ${OUTPUT}.new "${text}")
file(COPY_FILE ${OUTPUT}.new ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.new)
