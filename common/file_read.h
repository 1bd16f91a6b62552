/*
 * file_read.h — a whole file read into memory, with a limit.
 *
 * The command-line tools read what a person names (a bot, a game, a
 * migration): the limit is checked while reading, not trusted from a size
 * that may change, and a pipe (/dev/stdin, <(...)) reads as well as a file.
 */
#ifndef CF_FILE_READ_H
#define CF_FILE_READ_H

#include <stddef.h>

/*
 * Reads path whole, at most max bytes. Returns the bytes with a NUL after
 * them (malloc'd; *len their count), or NULL with a line in err that names
 * the path ("x.py: larger than 1 MiB", "d: not a regular file", ...).
 * Directories and other kinds of file than regular files, pipes and
 * character devices are refused.
 */
char *cf_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);

#endif
