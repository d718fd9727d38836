/* SPDX-License-Identifier: MIT */
/*
 * toolrun.h - helpers for tests that run the built tools as subprocesses
 */
#ifndef DGEN_TESTS_TOOLRUN_H
#define DGEN_TESTS_TOOLRUN_H

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "writer_helpers.h"

/* Read the file @path into @buf (NUL-terminated, at most @len - 1 bytes)
 * and remove it: the captured stdout or stderr of one run. Returns the
 * bytes read; len - 1 means the file may have held more. */
static inline size_t slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = 0;
	if (f)
		fclose(f);
	unlink(path);
	return n;
}

/* A wait status as a shell reports it: the exit status, or 128 + signal. */
static inline int code_of(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#ifdef DGEN_URING_PATH
/*
 * One finished run of the built dgen-uring (DGEN_URING_PATH) and what it
 * printed. out holds the longest report a test reads, a timed burn-in's,
 * which lists every pass with its targets' figures; a run that prints more
 * fails its test rather than being judged on a cut report. Three of these
 * fit on a test's stack.
 */
struct run {
	int code;			/* exit status, or 128 + signal */
	char out[1 << 20];
	char err[1 << 16];
};

/*
 * Run the tool with @env (shell assignments put before it with env(1);
 * "" for none) and the shell word list @fmt; wait for it and capture its
 * stdout and stderr in @r. Returns the exit code, as r->code.
 */
__attribute__((format(printf, 3, 0)))
static inline int tool_envv(struct run *r, const char *env, const char *fmt,
			    va_list ap)
{
	char args[2048], cmd[4096], *out = scratch_path("tool-out"),
	     *err = scratch_path("tool-err");
	int n;

	n = vsnprintf(args, sizeof(args), fmt, ap);
	cr_assert(n >= 0 && (size_t)n < sizeof(args),
		  "arguments longer than %zu bytes", sizeof(args));
	n = snprintf(cmd, sizeof(cmd), "env %s %s %s >%s 2>%s", env,
		     DGEN_URING_PATH, args, out, err);
	cr_assert(n >= 0 && (size_t)n < sizeof(cmd),
		  "command longer than %zu bytes", sizeof(cmd));
	r->code = code_of(system(cmd));
	n = (int)slurp(out, r->out, sizeof(r->out));
	cr_assert((size_t)n < sizeof(r->out) - 1,
		  "stdout of `%s` fills the %zu bytes kept", args,
		  sizeof(r->out));
	n = (int)slurp(err, r->err, sizeof(r->err));
	cr_assert((size_t)n < sizeof(r->err) - 1,
		  "stderr of `%s` fills the %zu bytes kept", args,
		  sizeof(r->err));
	return r->code;
}

/* tool_envv with assignments @env, e.g. "DGEN_HWLOC_SYNTHETIC='core:4'". */
__attribute__((format(printf, 3, 4)))
static inline int tool_env(struct run *r, const char *env, const char *fmt,
			   ...)
{
	va_list ap;
	int code;

	va_start(ap, fmt);
	code = tool_envv(r, env, fmt, ap);
	va_end(ap);
	return code;
}

/* tool_envv in the test's own environment. */
__attribute__((format(printf, 2, 3)))
static inline int tool(struct run *r, const char *fmt, ...)
{
	va_list ap;
	int code;

	va_start(ap, fmt);
	code = tool_envv(r, "", fmt, ap);
	va_end(ap);
	return code;
}
#endif /* DGEN_URING_PATH */

#endif /* DGEN_TESTS_TOOLRUN_H */
