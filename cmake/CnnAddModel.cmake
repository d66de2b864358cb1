# cnn_add_model(<name> <file.cnn> [UNROLL <statements>])
#
# Runs `cnnc generate` at build time (again whenever the model file or cnnc changes) and defines:
#   <name>_model  an INTERFACE library: the generated header <name>/<name>.hpp and the runtime's
#                 contract header on the include path
#   <name>-train  the trainer for this model (build/bin/<name>-train)
# cnnc runs from the project's source folder with the file's relative path, so the header it
# writes is byte-identical to the checked-in one in generated/.
function(cnn_add_model name file)
  cmake_parse_arguments(ARG "" "UNROLL" "" ${ARGN})
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
    COMMAND $<TARGET_FILE:cnnc> generate ${relative} -o ${out_dir} --name ${name} ${unroll_args}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    DEPENDS cnnc ${source}
    COMMENT "cnnc generate ${relative}"
    VERBATIM)
  add_custom_target(${name}_generate DEPENDS ${header})
  add_library(${name}_model INTERFACE)
  add_dependencies(${name}_model ${name}_generate)
  target_include_directories(${name}_model INTERFACE ${CMAKE_BINARY_DIR}/generated
                                                     ${PROJECT_SOURCE_DIR}/runtime/include)
  if(CNNC_NATIVE)
    target_compile_options(${name}_model INTERFACE -march=native)
  endif()

  set(CNN_MODEL_NAME ${name})
  configure_file(${PROJECT_SOURCE_DIR}/runtime/train_main.cpp.in ${out_dir}/${name}_train.cpp @ONLY)
  add_executable(${name}-train ${out_dir}/${name}_train.cpp)
  target_link_libraries(${name}-train PRIVATE ${name}_model cnnc_runtime)
endfunction()
