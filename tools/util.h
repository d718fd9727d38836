/* SPDX-License-Identifier: MIT */
/*
 * util.h - what both tools say the same way: usage errors and refusals
 */
#ifndef DGEN_TOOLS_UTIL_H
#define DGEN_TOOLS_UTIL_H

#include <stdio.h>

/* The name messages start with: "dgen-uring", "dgen-inspect". */
extern const char *tool_name;

/*
 * die_usage - print "NAME: " and the message, then where the options are
 * listed, and exit with DGEN_EXIT_USAGE.
 */
__attribute__((format(printf, 1, 2), noreturn))
void die_usage(const char *fmt, ...);

/*
 * say_refusal - print the library's sentence @msg for a refusal @err on
 * stderr; an -EEXIST (a signature, an existing file) adds the flag that
 * overrides it, which only the tool knows.
 */
void say_refusal(const char *msg, int err);

/*
 * out_guard - at the start: closed standard descriptors held (unusable
 * for output) so no file opened later takes their number, and SIGPIPE
 * ignored so a reader that left is the write error EPIPE.
 */
void out_guard(void);

/*
 * out_check - flush @f, which @what (e.g. "the report to standard
 * output") went to, @err being the first error its writes returned (0:
 * none); on any failure say so on stderr and return DGEN_EXIT_IO, else 0.
 */
int out_check(FILE *f, int err, const char *what);

#endif /* DGEN_TOOLS_UTIL_H */
