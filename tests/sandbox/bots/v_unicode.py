# Text that breaks naive reports: a surrogate and an overlong sequence on
# stdout, then an exception whose long non-ASCII message gets cut short.
import os

os.write(1, b"bad \xed\xa0\x80 surrogate, \xe0\x80\xaf overlong, \xff\n")
raise ValueError("x" + "\u20ac" * 300)  # cut mid-character at 255 bytes
