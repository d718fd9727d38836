/* SPDX-License-Identifier: MIT */
/*
 * toolrun.h - helpers for tests that run the built tools as subprocesses
 */
#ifndef DGEN_TESTS_TOOLRUN_H
#define DGEN_TESTS_TOOLRUN_H

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* Read the file @path into @buf (NUL-terminated, at most @len - 1 bytes)
 * and remove it: the captured stdout or stderr of one run. */
static inline void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = 0;
	if (f)
		fclose(f);
	unlink(path);
}

/* A wait status as a shell reports it: the exit status, or 128 + signal. */
static inline int code_of(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#endif /* DGEN_TESTS_TOOLRUN_H */
