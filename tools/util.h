/* SPDX-License-Identifier: MIT */
/*
 * util.h - small helpers the tools share for clocks and reports
 */
#ifndef DGEN_TOOLS_UTIL_H
#define DGEN_TOOLS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>

#include <dgen/latency.h>
#include <dgen/stream.h>

/* The exit statuses of both tools (their man pages list them). */
#define EXIT_MISMATCH	1	/* verify found bad data (dgen-inspect: a failure) */
#define EXIT_USAGE	2	/* bad usage, or a refused target */
#define EXIT_IO		3	/* an I/O error */
#define EXIT_INTR	130	/* SIGINT or SIGTERM (signals.h) */

/* The name messages start with: "dgen-uring", "dgen-inspect". */
extern const char *tool_name;

/*
 * die_usage - print "NAME: " and the message, then where the options are
 * listed, and exit with EXIT_USAGE.
 */
__attribute__((format(printf, 1, 2), noreturn))
void die_usage(const char *fmt, ...);

/* now_ns - CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void);

/* tv_s - a struct timeval (rusage times) in seconds. */
double tv_s(struct timeval tv);

/*
 * json_string - print @s to stdout as a JSON string, quotes included:
 * quotes, backslashes and control characters escaped. Every string a
 * report takes from outside (paths, strerror, the library's sentences)
 * goes through it.
 */
void json_string(const char *s);

/* json_string_to - json_string to @f. */
void json_string_to(FILE *f, const char *s);

#define JSON_STREAM_ID		(1u << 0)	/* "stream_id" */
#define JSON_STREAM_SIZE	(1u << 1)	/* "size" */

/*
 * json_stream - a stream's parameters as JSON members (no braces), the
 * one way every report gives them: "seed" (@seed), then "stream_id" (@id)
 * and "size" (@size) as @fields asks, then the data parameters of @p.
 */
void json_stream(FILE *f, const struct dgen_stream_params *p, uint64_t seed,
		 uint64_t id, uint64_t size, unsigned int fields);

/*
 * json_latency - a latency histogram as a JSON object in microseconds:
 * { "min", "mean", "p50", "p99", "p99.9", "max" } (0 when empty).
 */
void json_latency(const struct dgen_latency *l);

/* human_latency - a report's "lat (usec)@what: min .., p50 .., p99 ..,
 * p99.9 .., max .." line, indented by two spaces. */
void human_latency(const char *what, const struct dgen_latency *l);

/*
 * say_refusal - print the library's sentence @msg for a refusal @err on
 * stderr; an -EEXIST (a signature, an existing file) adds the flag that
 * overrides it, which only the tool knows.
 */
void say_refusal(const char *msg, int err);

/* size_str - @v bytes as "1 MiB" when it is a whole number of a binary
 * unit, else "N B"; written to @buf, which is returned. */
const char *size_str(uint64_t v, char *buf, size_t len);

/* iopoll_hint - what to add to a failed I/O's message @err under
 * @ring_flags: why --iopoll can be refused, or "". */
const char *iopoll_hint(int err, unsigned int ring_flags);

#endif /* DGEN_TOOLS_UTIL_H */
