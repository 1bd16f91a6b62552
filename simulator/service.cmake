# cf-simulator: the consumer of cf:fights and cf:plays (service.h lists its files).
# Included by simulator/CMakeLists.txt after the cf_sandbox library is defined.
# One parent process talks to Redis; each worker process owns one sandbox.
add_executable(cf-simulator
  ${CMAKE_CURRENT_LIST_DIR}/service_main.c
  ${CMAKE_CURRENT_LIST_DIR}/service_slots.c
  ${CMAKE_CURRENT_LIST_DIR}/service_fights.c
  ${CMAKE_CURRENT_LIST_DIR}/service_plays.c
  ${CMAKE_CURRENT_LIST_DIR}/service_desk.c
  ${CMAKE_CURRENT_LIST_DIR}/service_play.c
  ${CMAKE_CURRENT_LIST_DIR}/play_screen.c
  ${CMAKE_CURRENT_LIST_DIR}/service_publish.c
  ${CMAKE_CURRENT_LIST_DIR}/service_cancel.c
  ${CMAKE_CURRENT_LIST_DIR}/service_worker.c
  ${CMAKE_CURRENT_LIST_DIR}/service_ipc.c)
target_include_directories(cf-simulator PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(cf-simulator PRIVATE cf_sandbox cf_games_nosan cf_common_nosan
                      PkgConfig::HIREDIS PkgConfig::CJSON Threads::Threads)
# The workers are the sandbox's tracers: same rule as cf-fight (no ASan).
cf_strip_sanitizers(cf-simulator)
install(TARGETS cf-simulator RUNTIME DESTINATION bin)
