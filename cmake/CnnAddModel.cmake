# cnn_add_model(<name> <file.cnn> [UNROLL <statements>] [NATIVE <ON|OFF>])
#
# Runs `cnnc generate` at build time (again whenever the model file or cnnc changes) and defines:
#   <name>_model  an INTERFACE library: the generated header <name>/<name>.hpp on the include
#                 path, linked to cnnc::runtime (whose headers hold the model contract)
#   <name>-train  the trainer for this model (in the caller's runtime output directory)
# NATIVE ON compiles what uses the model with -march=native; without NATIVE, the variable
# CNNC_NATIVE decides (ON in cnnc's own build, unset - so OFF - for a project that finds the
# installed package unless it sets it).
#
# The same file serves cnnc's own tree, a project that add_subdirectory's it, and an installed
# package (lib/cmake/cnnc/): every path of its own comes from this file's folder, never from the
# calling project, and cnnc is the target cnnc::cnnc in all three.
#
# cnnc runs from the calling project's source folder with the file's path relative to it, so the
# generated banner and Model::kSource name e.g. models/mnist.cnn, never a path that depends on
# where the project was checked out: in cnnc's tree the header is byte-identical to the
# checked-in one in generated/.
function(cnn_add_model name file)
  cmake_parse_arguments(ARG "" "UNROLL;NATIVE" "" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "cnn_add_model(${name}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET cnnc::cnnc OR NOT TARGET cnnc::runtime)
    message(FATAL_ERROR "cnn_add_model(${name}): targets cnnc::cnnc and cnnc::runtime are "
                        "missing; use find_package(cnnc) or add_subdirectory(<cnnc>) first")
  endif()
  get_property(multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
  if(NOT multi_config AND NOT CMAKE_BUILD_TYPE)
    message(WARNING "cnn_add_model(${name}): no CMAKE_BUILD_TYPE, so the generated code is "
                    "compiled without optimisation and trains many times slower; configure "
                    "with -DCMAKE_BUILD_TYPE=Release")
  endif()
  get_filename_component(source ${file} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  file(RELATIVE_PATH relative ${PROJECT_SOURCE_DIR} ${source})
  set(out_dir ${CMAKE_BINARY_DIR}/generated/${name})
  set(header ${out_dir}/${name}.hpp)
  set(unroll_args)
  if(ARG_UNROLL)
    set(unroll_args --unroll ${ARG_UNROLL})
  endif()
  add_custom_command(
    OUTPUT ${header}
    COMMAND cnnc::cnnc generate ${relative} -o ${out_dir} --name ${name} ${unroll_args}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    DEPENDS cnnc::cnnc ${source}
    COMMENT "cnnc generate ${relative}"
    VERBATIM)
  add_custom_target(${name}_generate DEPENDS ${header})
  add_library(${name}_model INTERFACE)
  add_dependencies(${name}_model ${name}_generate)
  target_include_directories(${name}_model INTERFACE ${CMAKE_BINARY_DIR}/generated)
  target_link_libraries(${name}_model INTERFACE cnnc::runtime)
  if(DEFINED ARG_NATIVE)
    set(native ${ARG_NATIVE})
  else()
    set(native ${CNNC_NATIVE})
  endif()
  if(native)
    target_compile_options(${name}_model INTERFACE -march=native)
  endif()

  # The trainer's main(): beside this file once installed, in runtime/ in the source tree.
  set(template ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/train_main.cpp.in)
  if(NOT EXISTS ${template})
    set(template ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/../runtime/train_main.cpp.in)
  endif()
  set(CNN_MODEL_NAME ${name})
  configure_file(${template} ${out_dir}/${name}_train.cpp @ONLY)
  add_executable(${name}-train ${out_dir}/${name}_train.cpp)
  target_link_libraries(${name}-train PRIVATE ${name}_model)
endfunction()
