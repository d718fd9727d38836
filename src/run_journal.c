// SPDX-License-Identifier: MIT
/*
 * run_journal.c - a run's flushes and its power-loss journal
 *
 * With --flush-every or --journal, the run keeps a tracker of what each
 * target acknowledged (dgen/acked.h) that the engine marks and flushes
 * (writer_flush.c); with --journal it also keeps the journal
 * (dgen/journal.h), opened before anything is written so that one on a
 * target's device is refused first. Around each pass's writes: the pass's
 * record before the first write (and, after a discard, a flush so that
 * the zeros themselves are durable), and after the last one a flush of
 * every target, whose ranges the journal records, then the pass's end
 * when every write went through. Each flush's latency is kept per
 * target, over every pass: a slow flush is a finding in itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dgen/dgen.h>

#include "clock.h"
#include "run_impl.h"
#include "target_impl.h"

/* A flush slower than this is said at once (a notice): a drive that takes
 * seconds to flush has a problem of its own, even if it loses nothing. */
#define FLUSH_SLOW_NS	1000000000ull

/* The engine's write unit on target @k (a plan's may differ per target). */
static uint32_t unit_of(const struct dgen_run *r, unsigned int k)
{
	if (r->plan && k < r->plan->ntargets)
		return r->plan->targets[k].pool.io_size;
	return r->o.writer.io_size;
}

static int tracker_new(struct dgen_run *r, uint64_t every, char *msg,
		       size_t msglen)
{
	struct dgen_acked_target *t = calloc(r->ntargets, sizeof(*t));
	int err;

	if (!t)
		return snprintf(msg, msglen, "out of memory"), -ENOMEM;
	for (unsigned int k = 0; k < r->ntargets; k++) {
		struct dgen_target_info i;

		dgen_target_info_get(r->targets[k], &i);
		r->flush[k].unit = unit_of(r, k);
		dgen_latency_init(&r->flush[k].lat);
		t[k] = (struct dgen_acked_target) {
			.offset = i.offset, .size = i.size,
			.unit = r->flush[k].unit, .flush_every = every,
		};
	}
	err = dgen_acked_new(&r->acked, t, r->ntargets, msg, msglen);
	free(t);
	return err;
}

static int journal_open(struct dgen_run *r, uint64_t every, char *msg,
			size_t msglen)
{
	struct dgen_journal_target *t = calloc(r->ntargets, sizeof(*t));
	struct dgen_target_info *info = calloc(r->ntargets, sizeof(*info));
	int err = -ENOMEM;

	if (!t || !info) {
		snprintf(msg, msglen, "out of memory");
		goto out;
	}
	for (unsigned int k = 0; k < r->ntargets; k++) {
		struct dgen_stream_params sp = r->o.params;

		dgen_target_info_get(r->targets[k], &info[k]);
		sp.stream_id = r->o.params.stream_id + k;
		sp.size = r->o.stream_size ? r->o.stream_size : info[k].size;
		t[k] = (struct dgen_journal_target) {
			.path = info[k].path, .offset = info[k].offset,
			.size = info[k].size, .unit = r->flush[k].unit,
			.stream = sp, .stream_origin = r->o.stream_size ?
						       r->o.stream_origin : 0,
		};
	}
	err = dgen_journal_open(&r->journal, r->o.journal,
		&(struct dgen_journal_run) {
			.tool = "dgen-uring " DGEN_VERSION_STRING,
			.targets = t, .ntargets = r->ntargets,
			.initial = r->o.flags & DGEN_RUN_TRIM ?
				   DGEN_JOURNAL_PREV_ZERO : DGEN_JOURNAL_PREV_UNKNOWN,
			.flush_every = every, .fua = !!r->o.fua,
			.options = r->o.journal_options,
		}, DGEN_JOURNAL_CYCLE, msg, msglen);
out:
	free(t);
	free(info);
	return err;
}

int run_journal_new(struct dgen_run *r, char *msg, size_t msglen)
{
	uint64_t every = r->o.flush_every;
	int err;

	if (!r->o.journal && !every && !r->o.fua)
		return 0;
	if (r->o.mode == DGEN_RUN_VERIFY_ONLY || !r->ntargets) {
		snprintf(msg, msglen, "--journal, --flush-every and --fua go with writing target paths");
		return -EINVAL;
	}
	if (!every && r->o.journal)
		every = DGEN_FLUSH_EVERY_DEFAULT;
	r->jpass = 1;
	r->flush = calloc(r->ntargets, sizeof(*r->flush));
	if (!r->flush)
		return snprintf(msg, msglen, "out of memory"), -ENOMEM;
	err = tracker_new(r, every, msg, msglen);
	if (!err && r->o.journal)
		err = journal_open(r, every, msg, msglen);
	return err;
}

/* Flush target @k now (fdatasync of its file or block device); its
 * latency in *@ns (0: nothing to flush, the null target). 0 or -errno. */
static int target_sync(const struct dgen_target *t, uint64_t *ns)
{
	int fd = t->info.type == DGEN_TARGET_NVME ? t->hold_fd : t->fd;
	uint64_t t0 = dgen_clock_ns();

	*ns = 0;
	if (fd < 0)
		return 0;
	if (fdatasync(fd) < 0)
		return -errno;
	/* 0 would say "no device flush": a flush is never that fast. */
	*ns = dgen_clock_ns() - t0;
	if (!*ns)
		*ns = 1;
	return 0;
}

/* The run's error @err of target @k's flush (@k < 0: the journal's append). */
static void flush_error(struct dgen_run *r, int err, int k)
{
	char msg[256];

	if (k < 0) {
		snprintf(msg, sizeof(msg), "cannot append to the journal %s: %s",
			 r->o.journal, strerror(-err));
		run_error(r, err, -1, 0, "journal", msg);
		return;
	}
	snprintf(msg, sizeof(msg), "the flush of %s failed: %s (what it was to make durable is not claimed)",
		 r->targets[k]->info.path, strerror(-err));
	run_error(r, err, k, r->targets[k]->info.offset, "flush", msg);
}

int run_journal_begin(struct dgen_run *r, uint64_t n)
{
	enum dgen_journal_previous prev = DGEN_JOURNAL_PREV_UNKNOWN;
	uint64_t ns;
	int err = 0;

	if (!r->acked)
		return 0;
	r->jpass = n;
	if (n == 1 && (r->o.flags & DGEN_RUN_TRIM))
		prev = DGEN_JOURNAL_PREV_ZERO;
	else if (n >= 2 && r->jended == n - 1)
		prev = DGEN_JOURNAL_PREV_PASS;
	for (unsigned int k = 0; k < r->ntargets && !err; k++) {
		dgen_acked_reset(r->acked, k);
		/* The discard's zeros are the old content only once durable. */
		if (prev == DGEN_JOURNAL_PREV_ZERO &&
		    (err = target_sync(r->targets[k], &ns)))
			flush_error(r, err, (int)k);
		else if (r->journal &&
			 (err = dgen_journal_pass_begin(r->journal, k, n, prev)))
			flush_error(r, err, -1);
	}
	return err;
}

/* Keep @k's flush latencies and durable ranges of the pass for the report. */
static void keep_figures(struct dgen_run *r, unsigned int k)
{
	struct run_flush *f = &r->flush[k];
	struct dgen_acked_stats st;
	const struct dgen_range *d;
	size_t n;

	dgen_acked_stats_get(r->acked, k, &st);
	if (st.flush_latency.count && st.flush_latency.max_ns > FLUSH_SLOW_NS)
		run_notice(r, "%s: a flush took %.3f s in pass %llu (%llu flushes): slow",
			   r->targets[k]->info.path,
			   (double)st.flush_latency.max_ns / 1e9,
			   (unsigned long long)r->jpass,
			   (unsigned long long)st.flush_latency.count);
	dgen_latency_merge(&f->lat, &st.flush_latency);
	f->discarded += st.discarded;
	f->durable_bytes = st.durable_bytes;
	if (dgen_acked_durable(r->acked, k, &d, &n))
		return;
	free(f->durable);
	f->durable = n ? malloc(n * sizeof(*d)) : NULL;
	f->ndurable = f->durable ? n : 0;
	if (f->durable)
		memcpy(f->durable, d, n * sizeof(*d));
}

int run_journal_end(struct dgen_run *r, uint64_t n, int whole)
{
	int err = 0, e;

	/* A hung device would hold the flush for ever: the journal keeps
	 * what the engine's completed flushes recorded. */
	if (!r->acked || r->hung)
		return 0;
	/* Only a pass the journal says ended is known old content. */
	r->jended = r->journal && whole ? n : 0;
	for (unsigned int k = 0; k < r->ntargets; k++) {
		uint64_t ticket, ns = 0;

		e = dgen_acked_snapshot(r->acked, k, &ticket);
		if (!e && !r->o.fua)
			e = target_sync(r->targets[k], &ns);
		if (e) {
			dgen_acked_discard(r->acked, k, ticket);
			flush_error(r, e, (int)k);
			r->jended = 0;
		} else if (r->journal) {
			e = dgen_journal_flushed(r->journal, r->acked, k, n,
						 ticket, ns);
			if (!e && whole)
				e = dgen_journal_pass_end(r->journal, k, n);
			if (e) {
				flush_error(r, e, -1);
				r->jended = 0;
			}
		} else {
			const struct dgen_range *d;
			size_t nd;

			e = dgen_acked_flushed(r->acked, k, ticket, ns, &d, &nd);
		}
		keep_figures(r, k);
		err = err ? err : e;
	}
	return err;
}

void run_journal_free(struct dgen_run *r)
{
	for (unsigned int k = 0; r->flush && k < r->ntargets; k++)
		free(r->flush[k].durable);
	free(r->flush);
	r->flush = NULL;
	dgen_journal_close(r->journal);
	r->journal = NULL;
	dgen_acked_free(r->acked);
	r->acked = NULL;
}
