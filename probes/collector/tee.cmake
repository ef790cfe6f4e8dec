# flowlab_tee: datagram replication (pmacct tee plugin). Included by probes/collector/CMakeLists.txt.
flowlab_add_library(flowlab_tee
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tee.cpp ${CMAKE_CURRENT_LIST_DIR}/tee_receivers.cpp
          ${CMAKE_CURRENT_LIST_DIR}/tee_socket.cpp
  DEPS flowlab_faults flowlab_common)
