// SPDX-License-Identifier: MIT
/*
 * report_hint.c - a verify that found nothing of its own data
 *
 * When (nearly) every block read back is foreign - neither the pass's
 * data, nor zeroes, nor the pass before's - the target most likely holds
 * data that other parameters made: another seed, stream id, dedup or
 * compress ratio, dedup unit or window, offset or tree format than the
 * write's. A failing drive does not turn every block into well-formed
 * other data; a mistyped command line does. So the report says so and
 * prints the parameters this verify used, to hold against the write's
 * report (which lists them all).
 */
#include <stdio.h>

#include <dgen/tree.h>

#include "report_impl.h"

/* At least this share of the blocks read back are foreign: a hint. */
#define FOREIGN_SHARE	0.9

/* Whether @res's passes read back mostly foreign blocks and nothing else. */
static int mostly_foreign(const struct dgen_run_opts *o,
			  const struct dgen_run_result *res)
{
	uint64_t verified = 0, bad = 0, foreign = 0;

	for (unsigned int i = 0; i < res->npasses; i++) {
		verified += res->passes[i].vr.bytes;
		bad += res->passes[i].vr.mismatches;
		foreign += res->passes[i].vr.kinds[DGEN_MISMATCH_FOREIGN];
	}
	if (!foreign || foreign != bad || !o->params.dedup_unit)
		return 0;
	return (double)foreign >=
	       FOREIGN_SHARE * (double)(verified / o->params.dedup_unit);
}

void rp_foreign_hint(struct rep *p, const char *prefix)
{
	const struct dgen_run_opts *o = p->o;
	const struct dgen_stream_params *sp = &o->params;
	const struct dgen_run_result *res = p->res;

	if (o->mode == DGEN_RUN_WRITE || !res->npasses || !mostly_foreign(o, res))
		return;
	rp(p, "%shint: the blocks read back hold other data, not this run's (all mismatches foreign, not zeroed or stale): the seed or the data options probably differ from the write's. This verify used --seed %llu%s --stream %llu --dedup %g --dedup-unit %u --compress %g --bs %u --offset %llu",
	   prefix, (unsigned long long)sp->seed,
	   o->mode == DGEN_RUN_VERIFY_ONLY && o->pass > 1 ? " (with --pass)" : "",
	   (unsigned long long)sp->stream_id, sp->dedup_ratio, sp->dedup_unit,
	   sp->compress_ratio, o->writer.io_size,
	   (unsigned long long)o->offset);
	if (sp->dedup_window)
		rp(p, " --dedup-window %llu", (unsigned long long)sp->dedup_window);
	if (o->tree.dir)
		rp(p, " --format %s", dgen_format_name(o->tree.format));
	rp(p, ", stream format %d\n", DGEN_STREAM_FORMAT_VERSION);
}
