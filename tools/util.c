// SPDX-License-Identifier: MIT
/*
 * util.c - what both tools say the same way: usage errors and refusals
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <dgen/report.h>

#include "util.h"

void die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", tool_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(%s --help lists the options)\n", tool_name);
	exit(DGEN_EXIT_USAGE);
}

void say_refusal(const char *msg, int err)
{
	fprintf(stderr, "%s: %s%s\n", tool_name, msg,
		err == -EEXIST ? " (--force: go ahead)" : "");
}
