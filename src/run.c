// SPDX-License-Identifier: MIT
/*
 * run.c - a run's passes over targets or a tree
 *
 * Pass p writes every target with the streams of seed
 * dgen_pass_seed(seed, p) (pass 1: the seed itself), then, verifying,
 * reads everything back through the same engine and checks it against
 * those streams; a block that holds pass p - 1's bytes instead is stale.
 * A verify-only run reads back one pass. The passes count and the
 * deadline bound the sequence; a pass the deadline or a stop cuts short
 * is counted as far as it went and not verified (which units reached the
 * target is then unknown).
 *
 * The phases of a run over objects are run_objstore.c's, of a tree of
 * files run_tree.c's, of a descriptor run_fd.c's; the engine's, over
 * target paths, run_phase.c's.
 *
 * Around the passes, as the flags ask, dgen_run_new reads the machine and
 * plans the threads (run_place.c), makes the monitor (run_monitor.c) and
 * the first phase's engine, so that everything refusable is refused before
 * a byte is written; dgen_run_exec reads the drives' health and discards
 * the targets first (run_drive.c), and makes the verdicts after.
 *
 * The first max_report mismatches of the run (by pass, then target and
 * offset) are kept in detail, so memory stays bounded however long it
 * runs: each phase keeps its lowest with a dgen_mismatch_keep as large as
 * what the run may still list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <dgen/opts.h>

#include "clock.h"
#include "run_impl.h"
#include "target_ident.h"
#include "target_impl.h"

void dgen_run_opts_init(struct dgen_run_opts *o)
{
	memset(o, 0, sizeof(*o));
	dgen_stream_params_init(&o->params);
	dgen_writer_opts_init(&o->writer);
	o->mode = DGEN_RUN_WRITE;
	o->pass = 1;
	o->max_report = DGEN_MAX_REPORT_DEFAULT;
	o->fd = -1;
	o->watch.interval_s = 1;
	o->watch.io_timeout_s = DGEN_IO_TIMEOUT_DEFAULT;
	dgen_steady_opts_init(&o->watch.steady_opts);
	o->objects.retries = DGEN_OBJSTORE_RETRIES_DEFAULT;
}

const struct dgen_run_opts *dgen_run_opts_get(const struct dgen_run *r)
{
	return &r->o;
}

const char *dgen_run_target_name(const struct dgen_run *r, uint64_t k,
				 char *buf, size_t len)
{
	struct dgen_target_info i;

	if (r->obj)
		return run_obj_name(r, k, buf, len);
	if (r->o.tree.dir)
		return run_tree_name(r, k, buf, len);
	if (k < r->ntargets) {
		dgen_target_info_get(r->targets[k], &i);
		snprintf(buf, len, "%s", i.path);
	} else {
		snprintf(buf, len, "%s", r->o.flags & DGEN_RUN_FD ? "(stdout)" :
			 "(no target)");
	}
	return buf;
}

void dgen_run_target_info(const struct dgen_run *r, unsigned int k,
			  struct dgen_target_info *out)
{
	dgen_target_info_get(r->targets[k], out);
}

void dgen_run_stop(struct dgen_run *r)
{
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
}

/*
 * Open every target; verify-only, a target must already hold the data: a
 * missing or too short file is refused rather than created or extended,
 * and a signature (our data never looks like one) does not stop a read.
 */
static int open_targets(struct dgen_run *r, char *msg, size_t msglen)
{
	const struct dgen_run_opts *o = &r->o;
	const int vo = o->mode == DGEN_RUN_VERIFY_ONLY;
	unsigned int flags = (vo ? DGEN_TARGET_READ :
			      o->flags & DGEN_RUN_FORCE ? DGEN_TARGET_FORCE : 0) |
			     (o->flags & DGEN_RUN_DRY ? DGEN_TARGET_NOCREATE : 0);
	int err;

	/* Before any is opened: O_EXCL would call a second name "in use". */
	err = dgen_target_ident_check((const char *const *)o->paths,
				      r->ntargets, msg, msglen);
	if (err)
		return err;
	for (unsigned int k = 0; k < r->ntargets; k++) {
		struct dgen_target_info i;
		struct stat st;

		if (vo && strcmp(o->paths[k], DGEN_TARGET_NULL_PATH) &&
		    stat(o->paths[k], &st) < 0) {
			err = -errno;
			snprintf(msg, msglen, "cannot verify %s: %s",
				 o->paths[k], strerror(-err));
			return err;
		}
		err = dgen_target_open(&r->targets[k], o->paths[k], o->offset,
				       o->size, flags, msg, msglen);
		if (!err && (o->writer.ring_flags & DGEN_RING_IOPOLL))
			err = dgen_target_poll_check(r->targets[k], msg, msglen);
		if (err)
			return err;
		dgen_target_info_get(r->targets[k], &i);
		if (vo && i.type == DGEN_TARGET_FILE &&
		    i.dev_size < i.offset + i.size) {
			snprintf(msg, msglen, "cannot verify %s: it holds %llu bytes, offset %llu plus size %llu needs %llu",
				 i.path, (unsigned long long)i.dev_size,
				 (unsigned long long)i.offset,
				 (unsigned long long)i.size,
				 (unsigned long long)(i.offset + i.size));
			return -ENOSPC;
		}
	}
	return 0;
}

/* Pass @p's streams of the targets into @out. */
static int make_streams(struct dgen_run *r, uint64_t p,
			struct dgen_stream **out, char *msg, size_t msglen)
{
	int err;

	for (unsigned int k = 0; k < r->ntargets; k++) {
		struct dgen_target_info i;

		dgen_target_info_get(r->targets[k], &i);
		err = run_stream_new(r, &out[k], p, r->o.params.stream_id + k,
				     i.size, msg, msglen);
		if (err)
			return err;
	}
	return 0;
}

/* What @o asks that no run can do. 0, or -EINVAL with @msg. */
static int opts_check(const struct dgen_run_opts *o, char *msg, size_t msglen)
{
	const int fd = !!(o->flags & DGEN_RUN_FD), obj = dgen_run_opts_objects(o);

	if ((!!o->paths + !!o->tree.dir + fd) != 1 || (o->paths && !o->npaths) ||
	    (o->tree.dir && (!o->tree.files || !o->tree.file_size))) {
		snprintf(msg, msglen, "a run takes target paths, a tree (a directory, files and their size) or a descriptor");
		return -EINVAL;
	}
	if (fd && o->mode != DGEN_RUN_WRITE) {
		snprintf(msg, msglen, "a stream to a descriptor is written once: it cannot be read back");
		return -EINVAL;
	}
	if ((o->flags & (DGEN_RUN_PLACE | DGEN_RUN_HEALTH |
			 DGEN_RUN_HEALTH_PASSES | DGEN_RUN_TRIM |
			 DGEN_RUN_TRIM_ONLY | DGEN_RUN_DRY)) && (!o->paths || obj)) {
		snprintf(msg, msglen, "planning, health and discard take device or file paths");
		return -EINVAL;
	}
	if ((o->journal || o->flush_every || o->fua) &&
	    (!o->paths || obj || o->mode == DGEN_RUN_VERIFY_ONLY)) {
		snprintf(msg, msglen, "--journal, --flush-every and --fua go with writing device or file paths");
		return -EINVAL;
	}
	if ((o->flags & DGEN_RUN_WATCH) && !o->paths && !obj) {
		snprintf(msg, msglen, "watching takes target paths or objects");
		return -EINVAL;
	}
	if (o->stream_size && (!o->paths || o->offset + o->size < o->offset ||
			       !o->size || o->stream_origin + o->size > o->stream_size)) {
		snprintf(msg, msglen, "a slice of a stream takes target paths and a size within the stream's %llu bytes",
			 (unsigned long long)o->stream_size);
		return -EINVAL;
	}
	return 0;
}

/*
 * What verify could not do, refused before anything is touched (formatted
 * files are read back through the page cache, not in units of the I/O
 * size); the I/O size is the plan's or the defaults'.
 */
static int verify_check(const struct dgen_run *r, char *msg, size_t msglen)
{
	const struct dgen_run_opts *o = &r->o;

	if (o->mode != DGEN_RUN_WRITE &&
	    (!o->tree.dir || o->tree.format == DGEN_FORMAT_RAW) &&
	    o->writer.io_size % o->params.dedup_unit) {
		snprintf(msg, msglen, "the I/O size %u is not a multiple of the dedup unit %u: verify reads whole blocks",
			 o->writer.io_size, o->params.dedup_unit);
		return -EINVAL;
	}
	return 0;
}

/*
 * The first phase's streams and engine, made now so that the engine's
 * refusals (an I/O size the targets cannot take) come before anything
 * is written, as every other refusal does.
 */
static int first_engine(struct dgen_run *r, char *msg, size_t msglen)
{
	const int vo = r->o.mode == DGEN_RUN_VERIFY_ONLY;
	uint64_t first = vo ? r->o.pass : 1;
	int err;

	if (vo && first >= 2 &&
	    (err = make_streams(r, first - 1, r->prev, msg, msglen)))
		return err;
	err = make_streams(r, first, r->streams, msg, msglen);
	if (!err)
		err = run_writer_new(r, &r->ready,
			vo ? DGEN_MODE_VERIFY : DGEN_MODE_WRITE,
			(struct dgen_target *const *)r->targets,
			(const struct dgen_stream *const *)r->streams,
			r->prev[0] ? (const struct dgen_stream *const *)r->prev : NULL,
			r->ntargets, msg, msglen);
	return err;
}

/*
 * A dry run plans for the paths, then opens them as the real run would
 * (making no file) and closes them again, so that it refuses what the
 * real run would refuse (mounted, signed, missing or unopenable,
 * read-only, too small), with its message and exit status. A pretend
 * machine's devices are not this one's: they are planned for, unopened.
 */
static int dry_check(struct dgen_run *r, char *msg, size_t msglen)
{
	int err = run_place_plan(r, NULL, msg, msglen);

	if (err || !r->topo || !r->topo->this_system)
		return err;
	err = open_targets(r, msg, msglen);
	for (unsigned int k = 0; k < r->ntargets; k++) {
		dgen_target_close(r->targets[k]);
		r->targets[k] = NULL;
	}
	return err;
}

/* dgen_run_new's part for target paths, in the order that refuses early. */
static int paths_new(struct dgen_run *r, char *msg, size_t msglen)
{
	const unsigned int f = r->o.flags;
	int err;

	/* A dry run is a plan and nothing else. */
	if ((f & (DGEN_RUN_PLACE | DGEN_RUN_DRY)) &&
	    (err = run_place_machine(r, msg, msglen)))
		return err;
	if (f & DGEN_RUN_DRY)
		return dry_check(r, msg, msglen);
	if ((err = open_targets(r, msg, msglen)))
		return err;
	if (f & DGEN_RUN_PLACE)
		err = run_place_plan(r, (struct dgen_target *const *)r->targets,
				     msg, msglen);
	else
		run_place_defaults(r);
	if (!err)
		err = verify_check(r, msg, msglen);
	if (!err && (f & DGEN_RUN_WATCH))
		err = run_monitor_targets(r, msg, msglen);
	if (!err)
		err = run_drive_check(r, msg, msglen);
	if (!err && !(f & DGEN_RUN_TRIM_ONLY))
		err = run_journal_new(r, msg, msglen);
	if (!err && r->monitor && r->acked)
		dgen_monitor_watch_flushes(r->monitor, r->acked);
	if (!err && !(f & DGEN_RUN_TRIM_ONLY))
		err = first_engine(r, msg, msglen);
	return err;
}

int dgen_run_new(struct dgen_run **out, const struct dgen_run_opts *o,
		 char *msg, size_t msglen)
{
	struct dgen_run *r;
	int err;

	*out = NULL;
	err = opts_check(o, msg, msglen);
	if (err)
		return err;
	r = calloc(1, sizeof(*r));
	if (!r)
		goto oom;
	r->t_new = dgen_clock_ns();
	r->o = *o;
	if (o->tree.dir) {
		if (!r->o.tree.fanout)
			r->o.tree.fanout = DGEN_TREE_FANOUT_DEFAULT;
		if (!r->o.tree.record_size)
			r->o.tree.record_size = DGEN_RECORD_SIZE_DEFAULT;
	}
	r->ntargets = o->paths && !dgen_run_opts_objects(o) ? o->npaths : 0;
	if (!r->o.pass)
		r->o.pass = 1;
	dgen_rate_init(&r->rate, o->rate);
	err = run_engine_pick(r, msg, msglen);
	if (err) {
		dgen_run_free(r);
		return err;
	}
	r->targets = calloc(r->ntargets + 1, sizeof(*r->targets));
	r->streams = calloc(r->ntargets + 1, sizeof(*r->streams));
	r->prev = calloc(r->ntargets + 1, sizeof(*r->prev));
	r->target_bytes = calloc(r->ntargets + 1, sizeof(*r->target_bytes));
	if (!r->targets || !r->streams || !r->prev || !r->target_bytes)
		goto oom;
	if (dgen_run_opts_objects(o)) {
		err = run_obj_check(r, msg, msglen);
	} else if (o->paths) {
		err = paths_new(r, msg, msglen);
	} else {
		run_place_defaults(r);
		err = verify_check(r, msg, msglen);
		if (!err)
			err = o->tree.dir ? run_tree_check(r, msg, msglen) :
			      run_fd_check(r, msg, msglen);
	}
	if (err) {
		dgen_run_free(r);
		return err;
	}
	*out = r;
	return 0;
oom:
	dgen_run_free(r);
	snprintf(msg, msglen, "out of memory");
	return -ENOMEM;
}

static void free_streams(struct dgen_stream **s, unsigned int n)
{
	for (unsigned int k = 0; s && k < n; k++) {
		dgen_stream_free(s[k]);
		s[k] = NULL;
	}
}

void dgen_run_free(struct dgen_run *r)
{
	if (!r)
		return;
	run_monitor_free(r);
	run_drive_free(r);
	/* An object store's requests are always dropped and waited for. */
	run_obj_free(r);
	for (unsigned int i = 0; i < r->npasses; i++)
		free((void *)r->passes[i].list);
	free(r->passes);
	free(r->target_bytes);
	free(r->threads);
	/* A hung run's abandoned engine may still use its targets, streams
	 * and plan: they are left to the process's end. */
	if (r->hung) {
		free(r);
		return;
	}
	dgen_writer_free(r->ready);
	run_journal_free(r);
	for (unsigned int k = 0; r->targets && k < r->ntargets; k++)
		dgen_target_close(r->targets[k]);
	free_streams(r->streams, r->ntargets);
	free_streams(r->prev, r->ntargets);
	dgen_stream_free(r->fd_stream);
	free(r->targets);
	free(r->streams);
	free(r->prev);
	dgen_plan_free(r->plan);
	dgen_topology_free(r->topo);
	free(r);
}

static struct dgen_run_pass *pass_add(struct dgen_run *r, uint64_t n)
{
	struct dgen_run_pass *p;

	if (r->npasses == r->cap) {
		unsigned int cap = r->cap ? 2 * r->cap : 16;

		p = realloc(r->passes, cap * sizeof(*p));
		if (!p)
			return NULL;
		r->passes = p;
		r->cap = cap;
	}
	p = &r->passes[r->npasses++];
	memset(p, 0, sizeof(*p));
	p->n = n;
	p->seed = dgen_pass_seed(r->o.params.seed, n);
	return p;
}

/* Append the phase's kept mismatches to pass @p's list. */
static void list_append(struct dgen_run *r, struct dgen_run_pass *p,
			struct dgen_mismatch_keep *keep)
{
	const struct dgen_verify_mismatch *m;
	struct dgen_verify_mismatch *list;
	unsigned int n = dgen_mismatch_keep_sorted(keep, &m);

	if (!n)
		return;
	list = realloc((void *)p->list, (p->vr.reported + n) * sizeof(*list));
	if (!list)
		return;
	memcpy(list + p->vr.reported, m, n * sizeof(*m));
	p->list = list;
	p->vr.reported += n;
	r->listed += n;
}

/* One phase of pass @p: the targets in one writer run, or the tree. */
static int run_phase(struct dgen_run *r, struct dgen_run_pass *p,
		     enum dgen_writer_mode mode, struct dgen_run_phase *ph)
{
	struct dgen_mismatch_keep *keep;
	int err;

	err = dgen_mismatch_keep_new(&keep, mode == DGEN_MODE_VERIFY ?
				     (unsigned int)(r->o.max_report - r->listed) : 0);
	if (err) {
		run_error(r, err, -1, 0, "start", "out of memory");
		return err;
	}
	if (r->obj)
		err = run_obj_phase(r, p->n, mode, ph, keep);
	else if (r->o.flags & DGEN_RUN_FD)
		err = run_fd_phase(r, p);
	else if (r->o.tree.dir)
		err = run_tree_phase(r, p->n, mode, ph, keep);
	else
		err = run_engine_phase(r, p->n, mode, ph, keep,
			(struct dgen_target *const *)r->targets,
			(const struct dgen_stream *const *)r->streams,
			r->prev[0] ? (const struct dgen_stream *const *)r->prev : NULL,
			r->ntargets, 0);
	list_append(r, p, keep);
	dgen_mismatch_keep_free(keep);
	return err;
}

/*
 * Pass @p's phases. Returns non-zero when the run ends with it: an I/O
 * error (kept in the result), a cut, or a stop.
 */
static int pass_hook(struct dgen_run *r, const struct dgen_run_pass *p,
		     enum dgen_run_edge edge);

static int run_pass(struct dgen_run *r, struct dgen_run_pass *p)
{
	const struct dgen_run_opts *o = &r->o;
	int end = 0;

	if (o->mode != DGEN_RUN_VERIFY_ONLY) {
		int err;

		p->wrote = 1;
		if (run_journal_begin(r, p->n))
			return 1;
		err = run_phase(r, p, DGEN_MODE_WRITE, &p->wr);
		/* The last flush, journaled, however the writes ended. */
		if (run_journal_end(r, p->n, !err && !p->wr.stopped) || err)
			return 1;
		p->cut = p->wr.stopped;
	}
	if (o->mode == DGEN_RUN_WRITE_VERIFY && !p->cut && !run_stopping(r))
		end = pass_hook(r, p, DGEN_RUN_VERIFY_BEGIN);
	if (o->mode != DGEN_RUN_WRITE && !p->cut && !run_stopping(r)) {
		int err = run_phase(r, p, DGEN_MODE_VERIFY, &p->vr);

		p->verified = 1;
		r->bad_before += p->vr.mismatches + p->vr.framing;
		if (err)
			return 1;
		p->cut = p->vr.stopped;
	}
	return end || p->cut || run_stopping(r);
}

/*
 * The drives' health around the pass, then the caller's pass hook;
 * non-zero: one of them asked to end the run.
 */
static int pass_hook(struct dgen_run *r, const struct dgen_run_pass *p,
		     enum dgen_run_edge edge)
{
	int end = run_drive_pass(r, p->n, edge);

	if (r->o.pass_hook)
		end |= r->o.pass_hook(p->n, edge, p, r->o.progress_arg);
	if (!end)
		return 0;
	if (!r->res->hook_ended)
		r->res->hook_ended = p->n;
	return 1;
}

static int run_passes(struct dgen_run *r, char *msg, size_t msglen)
{
	const struct dgen_run_opts *o = &r->o;
	const int vo = o->mode == DGEN_RUN_VERIFY_ONLY;
	uint64_t first = vo ? o->pass : 1, last;
	int err;

	if (vo || (o->flags & DGEN_RUN_FD))
		last = first;
	else if (o->passes)
		last = o->passes;
	else
		last = o->time_s > 0 ? UINT64_MAX : 1;
	/* Verify-only of pass P: pass P - 1's streams tell stale blocks
	 * (made with the first engine, like the first pass's streams). */
	if (first >= 2 && !r->prev[0] &&
	    (err = make_streams(r, first - 1, r->prev, msg, msglen)))
		return err;
	for (uint64_t n = first; n <= last; n++) {
		struct dgen_run_pass *p = pass_add(r, n);
		int end;

		if (!p) {
			snprintf(msg, msglen, "out of memory");
			return -ENOMEM;
		}
		if (!(n == first && r->ntargets && r->streams[0]) &&
		    (err = make_streams(r, n, r->streams, msg, msglen)))
			return err;
		end = pass_hook(r, p, DGEN_RUN_PASS_BEGIN);
		end |= run_pass(r, p);
		end |= pass_hook(r, p, DGEN_RUN_PASS_END);
		if (end || run_past_deadline(r))
			break;
		free_streams(r->prev, r->ntargets);
		memcpy(r->prev, r->streams, r->ntargets * sizeof(*r->prev));
		memset(r->streams, 0, r->ntargets * sizeof(*r->streams));
	}
	return 0;
}

struct dgen_target *dgen_run_target(const struct dgen_run *r, unsigned int k)
{
	return k < r->ntargets ? r->targets[k] : NULL;
}

int dgen_run_monitor_set(struct dgen_run *r, struct dgen_monitor *m)
{
	if (!r->ntargets || r->own_monitor)
		return -EINVAL;
	r->monitor = m;
	r->nwatched = r->ntargets;	/* named as the targets are */
	/* The first engine was made without per-target figures: the phase
	 * makes it again with them. */
	dgen_writer_free(r->ready);
	r->ready = NULL;
	return 0;
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int dgen_run_exec(struct dgen_run *r, struct dgen_run_result *res,
		  char *msg, size_t msglen)
{
	struct rusage ru0, ru1;
	int err;

	memset(res, 0, sizeof(*res));
	res->error_target = res->framing_target = -1;
	dgen_latency_init(&res->latency[0]);
	dgen_latency_init(&res->latency[1]);
	r->res = res;
	if (r->o.flags & DGEN_RUN_DRY)
		return 0;
	err = run_drive_begin(r, msg, msglen);
	if (err)
		return err;
	getrusage(RUSAGE_SELF, &ru0);
	r->t0 = dgen_clock_ns();
	r->progress_t = r->t0;
	if (r->o.time_s > 0)
		r->deadline = r->t0 + (uint64_t)(r->o.time_s * 1e9);
	if (!(r->o.flags & DGEN_RUN_TRIM_ONLY))
		err = run_passes(r, msg, msglen);
	getrusage(RUSAGE_SELF, &ru1);
	res->seconds = (double)(dgen_clock_ns() - r->t0) / 1e9;
	run_monitor_finish(r);
	run_drive_end(r);
	res->passes = r->passes;
	res->npasses = r->npasses;
	res->hung = r->hung;
	res->steady = r->steady;
	res->stopped = __atomic_load_n(&r->stop, __ATOMIC_RELAXED) ||
		       (r->o.stop && __atomic_load_n(r->o.stop, __ATOMIC_RELAXED));
	res->wall_seconds = (double)(dgen_clock_ns() - r->t_new) / 1e9;
	res->user_s = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
	res->sys_s = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
	res->target_bytes = r->target_bytes;
	res->threads = r->threads;
	res->nthreads = r->threads ? r->plan->nthreads : 0;
	return err;
}
