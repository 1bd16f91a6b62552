# Turns the list of common passwords into a C file at build time:
#   cmake -DIN=common.txt -DOUT=password_list_data.c -P embed.cmake
# The bytes are copied as they are (the list is sorted already; the
# cmocka test web.password_list checks it is).
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT}
  "/* Generated from web/passwords/common.txt by embed.cmake: do not edit. */\n"
  "#include <stddef.h>\n"
  "const char password_list_data[] = {${bytes}0x00};\n"
  "const size_t password_list_size = sizeof password_list_data - 1;\n")
