// SPDX-License-Identifier: MIT
/*
 * fuzz_opts.c - the options table (dgen/opts.h) as a command line sets
 * it: the input is lines "NAME=VALUE" (or "NAME" alone, no value), each
 * given to dgen_run_opts_set in turn, then dgen_run_opts_check. A refusal
 * always comes with its sentence; a taken duration fits the clock.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <dgen/dgen.h>

#include "fuzz.h"

#define ARGS_MAX	64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *line, *save = NULL;
	struct dgen_run_opts o;
	char msg[1024];
	unsigned int n = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	dgen_run_opts_init(&o);
	/* The values stay in buf until the end: strings are kept by pointer. */
	for (line = strtok_r(buf, "\n", &save); line && n < ARGS_MAX;
	     line = strtok_r(NULL, "\n", &save), n++) {
		char *eq = strchr(line, '=');
		int r;

		if (eq)
			*eq = 0;
		msg[0] = 0;
		r = dgen_run_opts_set(&o, line, eq ? eq + 1 : NULL, msg,
				      sizeof(msg));
		FUZZ_CHECK(r == 0 || ((r == -EINVAL || r == -ENOENT) && msg[0]));
	}
	FUZZ_CHECK(o.time_s >= 0 && o.time_s <= DGEN_DURATION_MAX_S);
	FUZZ_CHECK(o.progress_s >= 0 && o.progress_s <= DGEN_DURATION_MAX_S);
	FUZZ_CHECK(isfinite(o.watch.io_timeout_s) && o.watch.io_timeout_s <= 86400);
	msg[0] = 0;
	if (dgen_run_opts_check(&o, msg, sizeof(msg)))
		FUZZ_CHECK(msg[0]);
	free(buf);
	return 0;
}
