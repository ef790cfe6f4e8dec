# flowlab_tee: datagram replication (pmacct tee plugin). Included by probes/collector/CMakeLists.txt.
flowlab_add_library(flowlab_tee
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tee.cpp ${CMAKE_CURRENT_LIST_DIR}/tee_receivers.cpp
          ${CMAKE_CURRENT_LIST_DIR}/tee_socket.cpp
  DEPS flowlab_common)
# Tests live in tests/unit/tee and tests/lab/tee (own binary dirs here, so a later add_subdirectory from tests/
# does not clash; the test CMakeLists guard against a double add).
if(FLOWLAB_TESTS)
  foreach(_tee_tests unit lab)
    if(EXISTS ${PROJECT_SOURCE_DIR}/tests/${_tee_tests}/tee/CMakeLists.txt)
      add_subdirectory(${PROJECT_SOURCE_DIR}/tests/${_tee_tests}/tee ${PROJECT_BINARY_DIR}/tee-tests/${_tee_tests})
    endif()
  endforeach()
endif()
