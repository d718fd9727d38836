/* SPDX-License-Identifier: MIT */
/*
 * util.h - small helpers the tools share for clocks and reports
 */
#ifndef DGEN_TOOLS_UTIL_H
#define DGEN_TOOLS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

/* now_ns - CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void);

/* tv_s - a struct timeval (rusage times) in seconds. */
double tv_s(struct timeval tv);

/* json_string - print @s to stdout as a JSON string, quotes included. */
void json_string(const char *s);

/*
 * say_refusal - print the library's sentence @msg for a refusal @err on
 * stderr; an -EEXIST (a signature, an existing file) adds the flag that
 * overrides it, which only the tool knows.
 */
void say_refusal(const char *msg, int err);

/* size_str - @v bytes as "1 MiB" when it is a whole number of a binary
 * unit, else "N B"; written to @buf, which is returned. */
const char *size_str(uint64_t v, char *buf, size_t len);

#endif /* DGEN_TOOLS_UTIL_H */
