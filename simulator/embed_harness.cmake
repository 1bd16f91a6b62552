# Turns harness.py into a C string (harness_py.h) at build time:
#   cmake -DIN=harness.py -DOUT=harness_py.h -P embed_harness.cmake
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT}
     "/* Generated from simulator/harness.py: do not edit. */\n"
     "static const char cf_harness_py[] = {${bytes}0x00};\n")
