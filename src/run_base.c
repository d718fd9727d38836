// SPDX-License-Identifier: MIT
/*
 * run_base.c - what every part of a run uses: its stops, its
 * first error, its notices and its streams
 */
#include <stdarg.h>
#include <stdio.h>

#include "clock.h"
#include "run_impl.h"

int run_stopping(const struct dgen_run *r)
{
	return r->steady || r->hung ||
	       __atomic_load_n(&r->stop, __ATOMIC_RELAXED) ||
	       (r->o.stop && __atomic_load_n(r->o.stop, __ATOMIC_RELAXED));
}

int run_past_deadline(const struct dgen_run *r)
{
	return r->deadline && dgen_clock_ns() >= r->deadline;
}

int run_stream_new(const struct dgen_run *r, struct dgen_stream **out,
		   uint64_t n, uint64_t id, uint64_t size, char *msg,
		   size_t msglen)
{
	struct dgen_stream_params sp = r->o.params;

	sp.seed = dgen_pass_seed(r->o.params.seed, n);
	sp.stream_id = id;
	sp.size = size;
	if (sp.dedup_scope == DGEN_DEDUP_SCOPE_RUN) {
		/*
		 * The run's targets are one dedup domain; a fleet's rank has
		 * set the domain (all ranks' targets) and its first index.
		 */
		sp.scope_targets = r->o.params.scope_targets ?
				   r->o.params.scope_targets : r->ntargets;
		sp.scope_index = r->o.params.scope_index +
				 (uint32_t)(id - r->o.params.stream_id);
	}
	if (r->o.stream_size && r->ntargets) {
		sp.size = r->o.stream_size;
		return dgen_stream_view_new(out, &sp, r->o.stream_origin, msg,
					    msglen);
	}
	return dgen_stream_new(out, &sp, msg, msglen);
}

void run_error(struct dgen_run *r, int err, int64_t target, uint64_t offset,
	       const char *phase, const char *msg)
{
	struct dgen_run_result *res = r->res;

	if (res->error)
		return;
	res->error = err;
	res->error_target = target;
	res->error_offset = offset;
	res->error_phase = phase;
	snprintf(res->error_msg, sizeof(res->error_msg), "%s", msg ? msg : "");
}

void run_notice(const struct dgen_run *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!r->o.notice)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->o.notice(msg, r->o.progress_arg);
}
