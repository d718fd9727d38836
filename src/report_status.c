// SPDX-License-Identifier: MIT
/*
 * report_status.c - a run's outcome: its status word and exit status, the
 * lines that say what failed, and the status lines while it runs (a line
 * per interval for a log, or one live line redrawn on a terminal)
 *
 * One rule for every job: an I/O error or a hang (3) over bad data (1)
 * over a stop (130); an unhealthy drive (4) over those three; a verdict
 * the user made fatal (5) only for a run otherwise clean. A script must
 * never take an error or bad data for a clean interruption.
 */
#include <errno.h>
#include <string.h>

#include "engine.h"
#include "report_impl.h"

/* A stop asked for, during the run or since (a signal's flag). */
static int stopped(const struct dgen_run *r, const struct dgen_run_result *res)
{
	return res->stopped ||
	       (r->o.stop && __atomic_load_n(r->o.stop, __ATOMIC_RELAXED));
}

/* --fail-on: a verdict the user asked to fail the run. */
static int verdict_fails(const struct dgen_run *r)
{
	const unsigned int f = r->o.watch.fail_on;

	for (unsigned int k = 0; r->verdicts && k < r->nwatched; k++)
		if (((f & DGEN_FAIL_SLOW) && r->verdicts[k].slow) ||
		    ((f & DGEN_FAIL_CLIFF) && r->verdicts[k].ncliffs))
			return 1;
	return 0;
}

/* Passes over targets or a write of them: hang, error, bad data, stop. */
static int targets_status(const struct dgen_run *r,
			  const struct dgen_run_result *res, const char **st)
{
	uint64_t bad = 0;
	int rc = DGEN_EXIT_OK;

	for (unsigned int i = 0; i < res->npasses; i++)
		bad += res->passes[i].vr.mismatches + res->passes[i].vr.framing +
		       res->passes[i].vr.bad_objects;
	*st = "ok";
	if (res->hung) {
		*st = "hung";
		rc = DGEN_EXIT_IO;
	} else if (res->error) {
		*st = "error";
		rc = DGEN_EXIT_IO;
	} else if (bad) {
		*st = "mismatch";
		rc = DGEN_EXIT_MISMATCH;
	} else if (stopped(r, res)) {
		*st = "interrupted";
		rc = DGEN_EXIT_INTERRUPTED;
	}
	/* The drive's own complaint outranks what the run saw. */
	if (res->unhealthy) {
		*st = "unhealthy";
		rc = DGEN_EXIT_UNHEALTHY;
	}
	if (!rc && verdict_fails(r))
		rc = DGEN_EXIT_VERDICT;
	return rc;
}

int dgen_report_status(const struct dgen_run *r,
		       const struct dgen_run_result *res, const char **status)
{
	const struct dgen_run_phase *ph = res->npasses ? &res->passes[0].wr : NULL;

	*status = "ok";
	switch (rp_kind_of(r, res)) {
	case RP_FLEET:
		return rp_fleet_status(res, status);
	case RP_TRIM:
	case RP_DRY:
		return DGEN_EXIT_OK;
	case RP_STDOUT:
		if (res->error)
			return *status = "error", DGEN_EXIT_IO;
		if (res->fd.reader_closed)
			return *status = "closed", DGEN_EXIT_OK;
		if (r->o.stop && __atomic_load_n(r->o.stop, __ATOMIC_RELAXED))
			return *status = "interrupted", DGEN_EXIT_INTERRUPTED;
		return DGEN_EXIT_OK;
	case RP_TREE:
		if (res->error)
			return *status = "error", DGEN_EXIT_IO;
		if (stopped(r, res) || !ph || ph->stopped ||
		    ph->files < r->o.tree.files)
			return *status = "interrupted", DGEN_EXIT_INTERRUPTED;
		return DGEN_EXIT_OK;
	default:
		return targets_status(r, res, status);
	}
}

/* ===== What failed ===== */

static const char *iopoll_hint(int err, unsigned int ring_flags)
{
	return err == -EOPNOTSUPP && (ring_flags & DGEN_RING_IOPOLL) ?
	       " (--iopoll needs a device with polled queues, e.g. nvme with poll_queues set)" : "";
}

/* The engine that failed, with what is known of why (engine.h). */
static void engine_failed(struct rep *p, const char *prefix, int err)
{
	const struct dgen_writer_opts *o = &p->o->writer;
	enum dgen_engine e = dgen_run_engine(p->r, NULL);
	char why[640];

	eng_explain(err, e, (uint64_t)o->threads * o->queue_depth, why,
		    sizeof(why));
	rp(p, "%s%s failed: %s%s\n", prefix, e == DGEN_ENGINE_LIBAIO ?
	   "libaio" : "io_uring", strerror(-err), why);
}

/* A plain write's: the target and offset, or the engine that failed. */
static void write_errors(struct rep *p, const char *prefix)
{
	const struct dgen_run_result *res = p->res;
	const int err = res->error;

	if (res->error_msg[0])
		rp(p, "%s%s\n", prefix, res->error_msg);
	else if (res->error_target >= 0)
		rp(p, "%swrite to %s at offset %llu failed: %s%s\n", prefix,
		   rp_target(p, (uint64_t)res->error_target),
		   (unsigned long long)res->error_offset, strerror(-err),
		   iopoll_hint(err, p->o->writer.ring_flags));
	else
		engine_failed(p, prefix, err);
}

int dgen_report_errors(FILE *f, const char *prefix, const struct dgen_run *r,
		       const struct dgen_run_result *res)
{
	struct rep p = { .f = f, .r = r, .o = &r->o, .res = res };
	const enum rp_kind kind = rp_kind_of(r, res);
	char where[4200];

	if (kind == RP_FLEET) {
		rp_fleet_errors(&p, prefix);
	} else if (!res->error || kind == RP_TRIM || kind == RP_DRY) {
		/* nothing failed */
	} else if (kind == RP_STDOUT) {
		rp(&p, "%swriting to stdout failed after %llu bytes: %s\n",
		   prefix, (unsigned long long)res->fd.bytes,
		   strerror(-res->error));
	} else if (kind == RP_TREE) {
		if (res->error_msg[0])
			rp(&p, "%s%s\n", prefix, res->error_msg);
		rp(&p, "%swriting %s failed: %s\n", prefix,
		   rp_tree_where(&p, where, sizeof(where)),
		   strerror(-res->error));
	} else if (res->hung) {
		/* said as it happened (a notice) */
	} else if (kind == RP_WRITE) {
		write_errors(&p, prefix);
	} else {
		if (res->error_msg[0])
			rp(&p, "%s%s\n", prefix, res->error_msg);
		if (res->error_target >= 0)
			rp(&p, "%s%s of %s at offset %llu failed: %s%s\n", prefix,
			   res->error_phase,
			   rp_target(&p, (uint64_t)res->error_target),
			   (unsigned long long)res->error_offset,
			   strerror(-res->error),
			   iopoll_hint(res->error, r->o.writer.ring_flags));
	}
	if (kind != RP_FLEET && kind != RP_TRIM && kind != RP_DRY)
		rp_foreign_hint(&p, prefix);
	if (fflush(f) && !p.err)
		p.err = errno ? -errno : -EIO;
	return p.err;
}

/* ===== Status lines ===== */

/* The run's bytes in all (0: not known) and its share done, 0 to 1. */
static double share_done(const struct dgen_run *r,
			 const struct dgen_run_progress *pr, uint64_t *total)
{
	const struct dgen_run_opts *o = &r->o;
	uint64_t pass = 0, passes;

	for (unsigned int k = 0; k < r->ntargets; k++) {
		struct dgen_target_info i;

		dgen_target_info_get(r->targets[k], &i);
		pass += i.size;
	}
	if (o->tree.dir)
		pass = o->tree.files * o->tree.file_size;
	if (o->flags & DGEN_RUN_FD)
		pass = o->size;
	if (r->obj)
		pass = r->obj->objects * r->obj->plan.object_bytes;
	if (o->mode == DGEN_RUN_WRITE_VERIFY)
		pass *= 2;
	passes = o->mode == DGEN_RUN_VERIFY_ONLY ? 1 : o->passes ? o->passes : 1;
	*total = o->time_s > 0 && !o->passes ? 0 : pass * passes;
	if (o->time_s > 0 && !o->passes)
		return pr->seconds < o->time_s ? pr->seconds / o->time_s : 1;
	if (!*total)
		return 0;
	return pr->bytes < *total ? (double)pr->bytes / (double)*total : 1;
}

/* The live line: phase, pass, bytes, percent, rate, time left, bad, slowest. */
static void live_line(struct rep *p, const struct dgen_run_progress *pr,
		      double rate)
{
	const struct dgen_run *r = p->r;
	const int slow = r->monitor && r->nwatched > 1 ?
			 dgen_monitor_slowest(r->monitor) : -1;
	uint64_t total;
	double done = share_done(r, pr, &total), left;

	rp(p, "\r%-6s pass %llu  %.2f", pr->phase == DGEN_MODE_VERIFY ?
	   "verify" : "write", (unsigned long long)pr->pass,
	   (double)pr->bytes / 1e9);
	if (total)
		rp(p, " / %.2f", (double)total / 1e9);
	rp(p, " GB  %3.0f%%  %.2f GB/s", done * 100, rate / 1e9);
	if (done > 0 && done < 1) {
		left = pr->seconds * (1 - done) / done;
		rp(p, "  ETA %u:%02u", (unsigned int)left / 60,
		   (unsigned int)left % 60);
	}
	if (r->o.mode != DGEN_RUN_WRITE)
		rp(p, "  mismatches %llu", (unsigned long long)pr->mismatches);
	if (slow >= 0)
		rp(p, "  slowest %s %.3f GB/s", rp_watched(p, (unsigned int)slow),
		   dgen_monitor_rate(r->monitor, (unsigned int)slow));
	rp(p, "\033[K");
}

/* The per-target part of a status line: the slowest, or all as JSON. */
static void targets_part(struct rep *p, int json)
{
	const struct dgen_monitor *m = p->r->monitor;
	int slow;

	if (!m)
		return;
	slow = dgen_monitor_slowest(m);
	if (!json) {
		if (slow >= 0 && p->r->nwatched > 1)
			rp(p, "  slowest %s %.3f GB/s",
			   rp_watched(p, (unsigned int)slow),
			   dgen_monitor_rate(m, (unsigned int)slow));
		return;
	}
	rp(p, ", \"targets\": [");
	for (unsigned int k = 0; k < p->r->nwatched; k++) {
		double g = dgen_monitor_rate(m, k);

		rp(p, k ? ", {\"path\": " : "{\"path\": ");
		rp_str(p, rp_watched(p, k));
		rp(p, ", \"gbps\": %.3f}", g > 0 ? g : 0);
	}
	rp(p, "], \"slowest\": ");
	if (slow >= 0)
		rp_str(p, rp_watched(p, (unsigned int)slow));
	else
		rp(p, "null");
}

int dgen_report_progress(FILE *f, const char *prefix,
			 struct dgen_report_progress *st,
			 const struct dgen_run_progress *pr,
			 enum dgen_progress_form form)
{
	struct rep p = { .f = f, .r = pr->run, .o = &pr->run->o };
	const char *phase = pr->phase == DGEN_MODE_VERIFY ? "verify" : "write";
	double rate = pr->seconds > st->last_s ?
		      (double)(pr->bytes - st->last_b) / (pr->seconds - st->last_s) : 0;

	if (form == DGEN_PROGRESS_LIVE) {
		live_line(&p, pr, rate);
		st->drawn = 1;
	} else {
		if (form == DGEN_PROGRESS_JSON)
			rp(&p, "{\"time\": %.3f, \"pass\": %llu, \"phase\": \"%s\", \"bytes\": %llu, \"gbps\": %.3f, \"mismatches\": %llu",
			   pr->seconds, (unsigned long long)pr->pass, phase,
			   (unsigned long long)pr->bytes, rate / 1e9,
			   (unsigned long long)pr->mismatches);
		else
			rp(&p, "%s%8.1f s  pass %llu %-6s  %10.3f GB  %7.3f GB/s  mismatches %llu",
			   prefix, pr->seconds, (unsigned long long)pr->pass,
			   phase, (double)pr->bytes / 1e9, rate / 1e9,
			   (unsigned long long)pr->mismatches);
		targets_part(&p, form == DGEN_PROGRESS_JSON);
		rp(&p, form == DGEN_PROGRESS_JSON ? "}\n" : "\n");
	}
	if (fflush(f) && !p.err)
		p.err = errno ? -errno : -EIO;
	st->last_s = pr->seconds;
	st->last_b = pr->bytes;
	return p.err;
}

int dgen_report_progress_clear(FILE *f, struct dgen_report_progress *st)
{
	if (!st->drawn)
		return 0;
	st->drawn = 0;
	if (fputs("\r\033[K", f) == EOF || fflush(f))
		return errno ? -errno : -EIO;
	return 0;
}
