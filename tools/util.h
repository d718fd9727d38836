/* SPDX-License-Identifier: MIT */
/*
 * util.h - what both tools say the same way: usage errors and refusals
 */
#ifndef DGEN_TOOLS_UTIL_H
#define DGEN_TOOLS_UTIL_H

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

#endif /* DGEN_TOOLS_UTIL_H */
