// SPDX-License-Identifier: MIT
/*
 * util.c - what both tools say the same way: usage errors and refusals,
 * and output that could not be written
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

void out_guard(void)
{
	/* A closed 0, 1 or 2 would be the next file opened: a target or
	 * the log would get the report or the messages. Held by /dev/null
	 * opened for reading, they stay unusable (EBADF) for output, so a
	 * report to a closed stdout fails as it should. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", O_RDONLY) < 0)
			break;
	/* A reader gone is an error to report (EPIPE), not a death that
	 * hides the exit status. */
	signal(SIGPIPE, SIG_IGN);
}

int out_check(FILE *f, int err, const char *what)
{
	errno = 0;
	if (fflush(f) && !err)
		err = errno ? -errno : -EIO;
	if (!err && ferror(f))
		err = -EIO;
	if (!err)
		return 0;
	clearerr(f);
	fprintf(stderr, "%s: cannot write %s: %s\n", tool_name, what,
		strerror(-err));
	return DGEN_EXIT_IO;
}
