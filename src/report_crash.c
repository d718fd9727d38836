// SPDX-License-Identifier: MIT
/*
 * report_crash.c - what power-loss verify reports: a run's flushes and
 * durable ranges per target, its journal, and the --verify-crash job
 *
 * A qualification engineer reads the verdict first, then, per drive,
 * where it lost acknowledged data (the bad blocks, listed as verify lists
 * them), how much it had been promised (durable bytes), and how long its
 * flushes took: a drive that takes seconds to flush is a finding too.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <dgen/crash.h>

#include "report_impl.h"

/* ===== A run's flushes ===== */

static void ranges_json(struct rep *p, const struct dgen_range *r, size_t n)
{
	rp(p, "[");
	for (size_t i = 0; i < n; i++)
		rp(p, "%s[%" PRIu64 ", %" PRIu64 "]", i ? ", " : "",
		   r[i].offset, r[i].length);
	rp(p, "]");
}

static void flush_latency_json(struct rep *p, const struct dgen_latency *l)
{
	rp(p, "{ \"count\": %" PRIu64 ", \"mean\": %.3f, \"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f }",
	   l->count, l->count ? (double)l->sum_ns / (double)l->count / 1e3 : 0,
	   (double)dgen_latency_percentile(l, 50) / 1e3,
	   (double)dgen_latency_percentile(l, 99) / 1e3,
	   (double)l->max_ns / 1e3);
}

void rp_flush_json(struct rep *p, unsigned int k)
{
	const struct run_flush *f = p->r->flush ? &p->r->flush[k] : NULL;

	if (!f)
		return;
	rp(p, ",\n      \"flush\": ");
	flush_latency_json(p, &f->lat);
	rp(p, ",\n      \"flush_failed\": %" PRIu64 ", \"durable_bytes\": %" PRIu64 ",\n      \"durable\": ",
	   f->discarded, f->durable_bytes);
	ranges_json(p, f->durable, f->ndurable);
}

void rp_flush_human(struct rep *p, unsigned int k)
{
	const struct run_flush *f = p->r->flush ? &p->r->flush[k] : NULL;
	const struct dgen_latency *l;

	if (!f)
		return;
	l = &f->lat;
	rp(p, "    flush: %" PRIu64 " (%" PRIu64 " failed), usec mean %.1f, p50 %.1f, p99 %.1f, max %.1f; durable %" PRIu64 " bytes in %zu range%s\n",
	   l->count, f->discarded,
	   l->count ? (double)l->sum_ns / (double)l->count / 1e3 : 0,
	   (double)dgen_latency_percentile(l, 50) / 1e3,
	   (double)dgen_latency_percentile(l, 99) / 1e3,
	   (double)l->max_ns / 1e3, f->durable_bytes, f->ndurable,
	   f->ndurable == 1 ? "" : "s");
}

void rp_journal_json(struct rep *p)
{
	const struct dgen_run *r = p->r;

	if (!r->acked)
		return;
	rp(p, ",\n  \"journal\": { \"path\": ");
	if (r->journal)
		rp_str(p, p->o->journal);
	else
		rp(p, "null");
	rp(p, ", \"cycle\": %" PRIu64 ", \"flush_every\": %" PRIu64 ", \"fua\": %s }",
	   r->journal ? dgen_journal_cycle(r->journal) : 0,
	   p->o->flush_every ? p->o->flush_every :
	   r->journal ? (uint64_t)DGEN_FLUSH_EVERY_DEFAULT : 0,
	   p->o->fua ? "true" : "false");
}

void rp_journal_human(struct rep *p)
{
	const struct dgen_run *r = p->r;

	if (!r->journal)
		return;
	rp(p, "  journal: %s, cycle %" PRIu64 "\n", p->o->journal,
	   dgen_journal_cycle(r->journal));
}

/* ===== --verify-crash ===== */

static const char *verdict_status(const struct dgen_crash_job *j)
{
	return j->errors ? "error" : dgen_crash_verdict_name(j->verdict);
}

int dgen_report_crash_status(const struct dgen_crash_job *j,
			     const char **status)
{
	*status = verdict_status(j);
	if (j->errors)
		return DGEN_EXIT_IO;
	return j->verdict == DGEN_CRASH_VERDICT_OK ? DGEN_EXIT_OK :
	       DGEN_EXIT_MISMATCH;
}

static void bad_json(struct rep *p, const struct dgen_crash_result *res)
{
	rp(p, ",\n      \"mismatch_list\": [");
	for (unsigned int i = 0; i < res->reported; i++) {
		const struct dgen_verify_mismatch *x = &res->list[i];
		const uint32_t n = (x->len + DGEN_SECTOR_SIZE - 1) /
				   DGEN_SECTOR_SIZE;
		const char *s2 = "";

		rp(p, "%s\n        { \"offset\": %" PRIu64 ", \"len\": %u, \"kind\": \"%s\", \"sectors\": [",
		   i ? "," : "", x->offset, x->len,
		   dgen_mismatch_kind_name(x->kind));
		for (uint32_t s = 0; s < n; s++)
			if (x->sector_map[s / 64] >> (s % 64) & 1) {
				rp(p, "%s%u", s2, s);
				s2 = ", ";
			}
		rp(p, "] }");
	}
	rp(p, "%s]", res->reported ? "\n      " : "");
}

static void crash_counts_json(struct rep *p, const struct dgen_crash_result *r)
{
	rp(p, ",\n      \"crash\": { \"durable_bytes\": %" PRIu64 ", \"lost\": %" PRIu64 ", \"new\": %" PRIu64 ", \"old\": %" PRIu64 ", \"torn\": %" PRIu64 ", \"corrupt\": %" PRIu64 ", \"unknown\": %" PRIu64 ", \"torn_units\": %" PRIu64 ", \"torn_atomic\": %" PRIu64 ", \"lost_zeroed\": %" PRIu64 ", \"lost_stale\": %" PRIu64 ", \"lost_foreign\": %" PRIu64 " }",
	   r->durable_bytes, r->counts[DGEN_CRASH_LOST],
	   r->counts[DGEN_CRASH_NEW], r->counts[DGEN_CRASH_OLD],
	   r->counts[DGEN_CRASH_TORN], r->counts[DGEN_CRASH_CORRUPT],
	   r->counts[DGEN_CRASH_UNKNOWN], r->torn_units, r->torn_atomic,
	   r->lost_held[DGEN_MISMATCH_ZEROED], r->lost_held[DGEN_MISMATCH_STALE],
	   r->lost_held[DGEN_MISMATCH_FOREIGN]);
}

static void crash_target_json(struct rep *p, const struct dgen_crash_job *j,
			      unsigned int k)
{
	const struct dgen_journal_target_view *v = &j->view->targets[k];
	const struct dgen_crash_target *t = &j->targets[k];
	const struct dgen_crash_result *r = &t->res;

	rp(p, "    { \"path\": ");
	rp_str(p, v->path);
	rp(p, ", \"offset\": %" PRIu64 ", \"size\": %" PRIu64 ", \"unit\": %u,\n      \"pass\": %" PRIu64 ", \"previous\": \"%s\", \"ended\": %s, \"flushes\": %" PRIu64 ", \"flush_max_us\": %.3f",
	   v->offset, v->size, v->unit, v->last.pass,
	   dgen_journal_previous_name(v->last.previous),
	   v->last.ended ? "true" : "false", v->last.flushes,
	   (double)v->last.flush_ns_max / 1e3);
	if (t->nvme)
		rp(p, ",\n      \"atomic\": { \"awun\": %u, \"awupf\": %u, \"nawun\": %u, \"nawupf\": %u, \"bytes\": %u }",
		   t->atomic.awun, t->atomic.awupf, t->atomic.nawun,
		   t->atomic.nawupf, t->atomic_bytes);
	if (t->error) {
		rp(p, ",\n      \"error\": { \"errno\": %d, \"message\": ", -t->error);
		rp_str(p, t->msg);
		rp(p, " } }");
		return;
	}
	rp(p, ",\n      \"verdict\": \"%s\", \"block\": %u, \"seconds\": %.6f,\n      \"durable\": ",
	   dgen_crash_verdict_name(t->verdict), r->block, r->seconds);
	ranges_json(p, v->last.durable, v->last.ndurable);
	crash_counts_json(p, r);
	bad_json(p, r);
	rp(p, " }");
}

int dgen_report_crash_json(FILE *f, const struct dgen_crash_job *j)
{
	struct rep p = { .f = f, .json = 1 };
	const struct dgen_journal_view *v = j->view;

	rp(&p, "{\n  \"dgen-uring\": \"%s\",\n  \"report_version\": 1,\n  \"status\": \"%s\",\n",
	   DGEN_VERSION_STRING, verdict_status(j));
	rp(&p, "  \"journal\": { \"path\": ");
	rp_str(&p, j->journal);
	rp(&p, ", \"version\": %u, \"cycle\": %" PRIu64 ", \"runs\": %" PRIu64 ", \"tool\": ",
	   v->version, v->cycle, v->runs);
	rp_str(&p, v->tool);
	rp(&p, ", \"time\": %" PRIu64 ", \"initial\": \"%s\", \"flush_every\": %" PRIu64 ", \"fua\": %s, \"lines\": %" PRIu64 ", \"torn_tail\": %s },\n",
	   v->time, dgen_journal_previous_name(v->initial), v->flush_every,
	   v->fua ? "true" : "false", v->lines,
	   v->torn_tail ? "true" : "false");
	rp(&p, "  \"fail_on_torn\": %s,\n  \"seconds\": %.6f,\n  \"targets\": [\n",
	   j->fail_on_torn ? "true" : "false", j->seconds);
	for (unsigned int k = 0; k < v->ntargets; k++) {
		crash_target_json(&p, j, k);
		rp(&p, "%s\n", k + 1 < v->ntargets ? "," : "");
	}
	rp(&p, "  ]\n}\n");
	if (!p.err && fflush(f))
		p.err = -errno;
	return p.err;
}

static void crash_target_human(struct rep *p, const struct dgen_crash_job *j,
			       unsigned int k)
{
	const struct dgen_journal_target_view *v = &j->view->targets[k];
	const struct dgen_crash_target *t = &j->targets[k];
	const struct dgen_crash_result *r = &t->res;

	rp(p, "  %s: pass %" PRIu64 " (over %s%s), %" PRIu64 " flushes, slowest %.3f ms\n",
	   v->path, v->last.pass, dgen_journal_previous_name(v->last.previous),
	   v->last.ended ? ", ended" : ", cut", v->last.flushes,
	   (double)v->last.flush_ns_max / 1e6);
	if (t->nvme)
		rp(p, "    atomic writes promised: AWUN %u, AWUPF %u, NAWUN %u, NAWUPF %u bytes (held to %u)\n",
		   t->atomic.awun, t->atomic.awupf, t->atomic.nawun,
		   t->atomic.nawupf, t->atomic_bytes);
	if (t->error) {
		rp(p, "    not judged: %s\n", t->msg);
		return;
	}
	rp(p, "    %s: durable %" PRIu64 " bytes in %zu ranges; blocks of %u: lost %" PRIu64 ", corrupt %" PRIu64 ", torn %" PRIu64 " (%" PRIu64 " units, %" PRIu64 " promised atomic), new %" PRIu64 ", old %" PRIu64 ", unknown %" PRIu64 "\n",
	   dgen_crash_verdict_name(t->verdict), r->durable_bytes,
	   v->last.ndurable, r->block, r->counts[DGEN_CRASH_LOST],
	   r->counts[DGEN_CRASH_CORRUPT], r->counts[DGEN_CRASH_TORN],
	   r->torn_units, r->torn_atomic, r->counts[DGEN_CRASH_NEW],
	   r->counts[DGEN_CRASH_OLD], r->counts[DGEN_CRASH_UNKNOWN]);
	for (unsigned int i = 0; i < r->reported; i++)
		rp(p, "    %s block at offset %" PRIu64 " (%u bytes, %u bad sectors)\n",
		   dgen_mismatch_kind_name(r->list[i].kind), r->list[i].offset,
		   r->list[i].len, r->list[i].bad_sectors);
}

int dgen_report_crash_human(FILE *f, const struct dgen_crash_job *j)
{
	struct rep p = { .f = f };
	const struct dgen_journal_view *v = j->view;

	rp(&p, "dgen-uring %s: verify-crash %s: %s\n", DGEN_VERSION_STRING,
	   j->journal, verdict_status(j));
	rp(&p, "  journal: cycle %" PRIu64 " of %" PRIu64 ", %u target%s, flush every %" PRIu64 "%s%s\n",
	   v->cycle, v->runs, v->ntargets, v->ntargets == 1 ? "" : "s",
	   v->flush_every, v->fua ? ", fua" : "",
	   v->torn_tail ? ", last line cut short (ignored)" : "");
	for (unsigned int k = 0; k < v->ntargets; k++)
		crash_target_human(&p, j, k);
	if (!p.err && fflush(f))
		p.err = -errno;
	return p.err;
}
