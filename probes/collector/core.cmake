# flowlab_collector_core: BGP views, enrichment, filters, aggregates, pmacct formats (included by CMakeLists.txt).
flowlab_add_library(flowlab_collector_core
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/bgp_tables.cpp ${CMAKE_CURRENT_LIST_DIR}/bmp_tables.cpp
          ${CMAKE_CURRENT_LIST_DIR}/agent_map.cpp
          ${CMAKE_CURRENT_LIST_DIR}/peer_src_map.cpp ${CMAKE_CURRENT_LIST_DIR}/enrich.cpp
          ${CMAKE_CURRENT_LIST_DIR}/primitives.cpp ${CMAKE_CURRENT_LIST_DIR}/filter.cpp
          ${CMAKE_CURRENT_LIST_DIR}/aggregate.cpp ${CMAKE_CURRENT_LIST_DIR}/path_keys.cpp
          ${CMAKE_CURRENT_LIST_DIR}/record_format.cpp
          ${CMAKE_CURRENT_LIST_DIR}/sampling.cpp ${CMAKE_CURRENT_LIST_DIR}/fault_hooks.cpp
  DEPS flowlab_faults flowlab_bmp flowlab_bgp flowlab_wire flowlab_common)
