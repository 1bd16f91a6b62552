# Turns Python sources into C strings (a header) at build time:
#   cmake -DOUT=harness_py.h -DSOURCES=harness.py=cf_harness_py,... -P embed_harness.cmake
# SOURCES: comma-separated FILE=ARRAY_NAME items.
file(WRITE ${OUT} "/* Generated from Python sources of simulator/: do not edit. */\n")
string(REPLACE "," ";" items "${SOURCES}")
foreach(item IN LISTS items)
  string(REPLACE "=" ";" pair ${item})
  list(GET pair 0 in)
  list(GET pair 1 name)
  file(READ ${in} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  file(APPEND ${OUT} "static const char ${name}[] = {${bytes}0x00};\n")
endforeach()
