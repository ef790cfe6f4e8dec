# flowlab_warnings: the warning set every flowlab target links against.
add_library(flowlab_warnings INTERFACE)
target_compile_options(flowlab_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wimplicit-fallthrough -Wno-missing-field-initializers)
if(FLOWLAB_WERROR)
  target_compile_options(flowlab_warnings INTERFACE -Werror)
  # GCC with a sanitizer: -Wmaybe-uninitialized stays a warning, not an error. The sanitizers raise its false
  # positives (the GCC manual, -fsanitize=address, advises against combining them with -Werror); GCC 12 reports
  # one inside libstdc++'s <regex> (std::function in _NFA::_M_insert_subexpr_*) for softflowd_driver.cpp.
  if(FLOWLAB_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(flowlab_warnings INTERFACE -Wno-error=maybe-uninitialized)
  endif()
endif()

# FLOWLAB_FUZZ (clang): every library is built with libFuzzer's coverage plus ASan+UBSan, so a fuzz target can
# reach any of them (tests/fuzz/CMakeLists.txt links the targets with -fsanitize=fuzzer).
if(FLOWLAB_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "FLOWLAB_FUZZ needs clang (-DCMAKE_CXX_COMPILER=clang++)")
  endif()
  if(NOT FLOWLAB_SANITIZE)
    set(FLOWLAB_SANITIZE address,undefined)
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(FLOWLAB_SANITIZE)
  string(REPLACE "," ";" _flowlab_sanitizers "${FLOWLAB_SANITIZE}")
  foreach(_san IN LISTS _flowlab_sanitizers)
    if(NOT _san MATCHES "^(address|undefined|thread|leak)$")
      message(FATAL_ERROR "FLOWLAB_SANITIZE: unknown sanitizer '${_san}'")
    endif()
  endforeach()
  add_compile_options(-fsanitize=${FLOWLAB_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${FLOWLAB_SANITIZE})
endif()

# flowlab_add_library(NAME SOURCES... DEPS ...) keeps each library's declaration to one line.
function(flowlab_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_compile_features(${name} PUBLIC cxx_std_20)
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE flowlab_warnings ${ARG_PRIVATE_DEPS})
endfunction()

function(flowlab_add_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_features(${name} PRIVATE cxx_std_20)
  target_link_libraries(${name} PRIVATE flowlab_warnings ${ARG_DEPS})
endfunction()

# flowlab_add_subdirectories(a b c): adds each subdirectory that has a CMakeLists.txt (parts land one by one).
macro(flowlab_add_subdirectories)
  foreach(_dir ${ARGN})
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_dir}/CMakeLists.txt)
      add_subdirectory(${_dir})
    endif()
  endforeach()
endmacro()

# flowlab_add_test(NAME SOURCES ... DEPS ... [LABELS ...]): one GoogleTest executable, registered with ctest.
function(flowlab_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_features(${name} PRIVATE cxx_std_20)
  target_link_libraries(${name} PRIVATE flowlab_warnings ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    FLOWLAB_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    FLOWLAB_BINARY_DIR="${PROJECT_BINARY_DIR}"
    FLOWLAB_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
  include(GoogleTest)
  if(ARG_LABELS)
    gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
  else()
    gtest_discover_tests(${name} PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60)
  endif()
endfunction()
