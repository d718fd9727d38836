// SPDX-License-Identifier: MIT
/*
 * run_engine.c - the run's engine, decided once (dgen_run_engine)
 *
 * Every writer of the run, every phase and pass, takes the engine picked
 * here: a run that began on libaio stays on it, and its report says
 * which and why. auto falls back to libaio only where the kernel refuses
 * io_uring (a seccomp filter, kernel.io_uring_disabled, a kernel without
 * it), and says so once, as a notice: a burn-in in a container runs, and
 * tells how it ran. What only io_uring has (polling, NVMe passthrough) is
 * refused on libaio rather than dropped: a run asked to poll that did not
 * would measure something else than asked.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <dgen/opts.h>

#include "run_impl.h"

/* Whether the run writes through an engine at all. */
static int uses_engine(const struct dgen_run_opts *o)
{
	if (dgen_run_opts_objects(o) || (o->flags & (DGEN_RUN_FD | DGEN_RUN_DRY)))
		return 0;
	return !(o->flags & DGEN_RUN_TRIM_ONLY);
}

int run_engine_pick(struct dgen_run *r, char *msg, size_t msglen)
{
	const enum dgen_engine want = r->o.writer.engine;
	const unsigned int f = r->o.writer.ring_flags;
	int e;

	if (!uses_engine(&r->o)) {
		r->engine = DGEN_ENGINE_IO_URING;
		snprintf(r->engine_why, sizeof(r->engine_why), "no engine runs");
		return 0;
	}
	e = dgen_engine_pick(want, r->engine_why, sizeof(r->engine_why));
	/* io_uring that cannot start fails at its first ring, and the
	 * report names the cause (engine_why). */
	r->engine = e < 0 ? DGEN_ENGINE_IO_URING : (enum dgen_engine)e;
	r->o.writer.engine = r->engine;
	if (r->engine != DGEN_ENGINE_LIBAIO || want == DGEN_ENGINE_LIBAIO)
		return 0;
	if (f & (DGEN_RING_SQPOLL | DGEN_RING_IOPOLL)) {
		snprintf(msg, msglen, "--%s needs io_uring, and %s; drop it to run on libaio",
			 f & DGEN_RING_SQPOLL ? "sqpoll" : "iopoll", r->engine_why);
		return -EOPNOTSUPP;
	}
	run_notice(r, "%s: writing with libaio", r->engine_why);
	return 0;
}

enum dgen_engine dgen_run_engine(const struct dgen_run *r, const char **why)
{
	if (why)
		*why = r->engine_why;
	return r->engine;
}
