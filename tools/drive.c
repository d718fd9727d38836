// SPDX-License-Identifier: MIT
/*
 * drive.c - dgen-uring's per-target view of a run: options, the monitor's
 * hooks into the wait loops, the hang, and what the reports say per target
 *
 * The library does the watching (dgen/monitor.h); this file only turns
 * options into its settings and its findings into report text.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drive.h"
#include "util.h"

#define EXIT_USAGE	2
#define EXIT_VERDICT	5		/* --fail-on: a slow or cliff verdict */

void drive_opts_init(struct drive_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->interval_s = 1;
	o->io_timeout_s = DGEN_IO_TIMEOUT_DEFAULT;
	dgen_steady_opts_init(&o->steady_opts);
}

static int seconds_of(const char *v, double *out)
{
	char *end;
	double x = strtod(v, &end);

	if (end == v || *end || !isfinite(x) || x < 0)
		return -EINVAL;
	*out = x;
	return 0;
}

int drive_opt(struct drive_opts *o, enum drive_opt_id id, const char *v,
	      char *msg, size_t msglen)
{
	char *dup, *tok, *save = NULL;
	int r = 0;

	o->set = 1;
	switch (id) {
	case DRIVE_LOG:
		o->log = v;
		break;
	case DRIVE_LOG_INTERVAL:
		if (seconds_of(v, &o->interval_s) || o->interval_s < 0.01 ||
		    o->interval_s > 86400) {
			snprintf(msg, msglen, "--log-interval '%s': give seconds from 0.01 to 86400 (fractions allowed)", v);
			return -EINVAL;
		}
		break;
	case DRIVE_IO_TIMEOUT:
		if (seconds_of(v, &o->io_timeout_s) || o->io_timeout_s > 86400) {
			snprintf(msg, msglen, "--io-timeout '%s': give seconds up to 86400, or 0 for no timeout", v);
			return -EINVAL;
		}
		break;
	case DRIVE_FAIL_ON:
		dup = strdup(v);
		if (!dup)
			return -ENOMEM;
		o->fail_slow = o->fail_cliff = 0;
		for (tok = strtok_r(dup, ",", &save); tok && !r;
		     tok = strtok_r(NULL, ",", &save)) {
			if (!strcmp(tok, "slow")) {
				o->fail_slow = 1;
			} else if (!strcmp(tok, "cliff")) {
				o->fail_cliff = 1;
			} else if (strcmp(tok, "none")) {
				snprintf(msg, msglen, "--fail-on '%s': give slow, cliff, both (slow,cliff) or none", v);
				r = -EINVAL;
			}
		}
		free(dup);
		return r;
	case DRIVE_STEADY:
		o->steady = 1;
		return dgen_steady_parse(&o->steady_opts, v, msg, msglen) ?
		       -EINVAL : 0;
	case DRIVE_PLOT:
		o->plot = v;
		break;
	case DRIVE_PLOT_FROM:
		o->plot_from = v;
		break;
	default:
		snprintf(msg, msglen, "unknown option");
		return -EINVAL;
	}
	return 0;
}

/* ===== The run ===== */

int drive_start(struct drive *d, const struct drive_opts *o,
		const struct dgen_target_info *infos, unsigned int n, int json)
{
	struct dgen_monitor_opts mo;
	int *kinds = calloc(n ? n : 1, sizeof(*kinds));
	int r = -ENOMEM;

	memset(d, 0, sizeof(*d));
	d->o = o;
	d->n = n;
	d->json = json;
	d->names = calloc(n ? n : 1, sizeof(*d->names));
	if (!kinds || !d->names)
		goto out;
	for (unsigned int k = 0; k < n; k++) {
		d->names[k] = (char *)infos[k].path;
		kinds[k] = (int)infos[k].type;
	}
	if (o->log) {
		d->log = fopen(o->log, "w");
		if (!d->log) {
			r = -errno;
			fprintf(stderr, "dgen-uring: cannot write the log %s: %s\n",
				o->log, strerror(errno));
			goto out;
		}
	}
	dgen_monitor_opts_init(&mo);
	mo.interval_s = o->interval_s;
	mo.io_timeout_s = o->io_timeout_s;
	mo.log = d->log;
	mo.steady = o->steady;
	mo.steady_opts = o->steady_opts;
	r = dgen_monitor_new(&d->m, &mo, (const char *const *)d->names, kinds, n);
	if (r)
		fprintf(stderr, "dgen-uring: cannot watch the targets: %s\n",
			strerror(-r));
out:
	free(kinds);
	return r;
}

unsigned int drive_poll(struct drive *d)
{
	unsigned int ev = d->m ? dgen_monitor_poll(d->m) : 0;

	drive_event(d, ev);
	return ev;
}

void drive_event(struct drive *d, unsigned int ev)
{
	struct dgen_monitor_hang h;

	if ((ev & DGEN_MONITOR_STEADY) && dgen_monitor_steady(d->m)) {
		const struct dgen_steady *st = dgen_monitor_steady(d->m);

		fprintf(stderr, "dgen-uring: steady state at %.1f s: %.3f GB/s; stopping\n",
			st->at_s, st->mean_gbps);
	}
	if ((ev & DGEN_MONITOR_HUNG) && dgen_monitor_hang(d->m, &h)) {
		d->hung = 1;
		fprintf(stderr, "dgen-uring: %s hung: an I/O of %u bytes at offset %llu has been outstanding for %.1f s (--io-timeout %g s); stopping\n",
			d->names[h.target], h.len, (unsigned long long)h.offset,
			h.seconds, d->o->io_timeout_s);
		fflush(stderr);
	}
}

int drive_settle(struct drive *d, struct dgen_writer *w,
		 struct dgen_writer_result *res)
{
	struct dgen_monitor_hang h;
	int err;

	if (d->hung && dgen_monitor_hang(d->m, &h)) {
		/* Never wait on the stuck I/O: report with what is known. */
		dgen_writer_abandon(w, res);
		dgen_monitor_end(d->m, (int)h.target);
		res->error = -ETIMEDOUT;
		res->error_target = (int)h.target;
		res->error_offset = h.offset;
		return -ETIMEDOUT;
	}
	err = dgen_writer_wait(w, res);
	if (d->m)
		dgen_monitor_end(d->m, res->error ? res->error_target : -1);
	return err;
}

void drive_finish(struct drive *d)
{
	FILE *f;

	if (!d->m)
		return;
	dgen_monitor_finish(d->m);
	d->v = calloc(d->n ? d->n : 1, sizeof(*d->v));
	if (d->v)
		dgen_monitor_verdicts(d->m, d->v);
	if (d->log)
		fflush(d->log);
	if (!d->o->plot)
		return;
	f = fopen(d->o->plot, "w");
	if (!f || dgen_plot_svg(f, dgen_monitor_series(d->m),
				NULL, "dgen-uring: GB/s and p99 latency per target") ||
	    fclose(f))
		fprintf(stderr, "dgen-uring: cannot write the plot %s: %s\n",
			d->o->plot, strerror(errno));
}

/* ===== Reports ===== */

static void figures_json(const struct dgen_target_figures *f)
{
	printf("\"bytes\": %llu, \"seconds\": %.6f, \"gbps\": %.6f, \"iops\": %.1f, \"latency_us\": { \"min\": %.3f, \"mean\": %.3f, \"p50\": %.3f, \"p99\": %.3f, \"p99.9\": %.3f, \"max\": %.3f }, \"errors\": %llu",
	       (unsigned long long)f->bytes, f->seconds, f->gbps, f->iops,
	       f->lat_min_us, f->lat_mean_us, f->lat_p50_us, f->lat_p99_us,
	       f->lat_p999_us, f->lat_max_us, (unsigned long long)f->errors);
}

static void figures_human(const char *what, const struct dgen_target_figures *f)
{
	printf("    %s: %.3f GB/s, %.0f IOPS, %llu B in %.3f s; lat (usec) min %.1f, p50 %.1f, p99 %.1f, p99.9 %.1f, max %.1f%s\n",
	       what, f->gbps, f->iops, (unsigned long long)f->bytes, f->seconds,
	       f->lat_min_us, f->lat_p50_us, f->lat_p99_us, f->lat_p999_us,
	       f->lat_max_us, f->errors ? ", errors" : "");
}

void drive_target_json(const struct drive *d, unsigned int k, int verify)
{
	const struct dgen_target_verdict *v = d->v ? &d->v[k] : NULL;
	struct dgen_target_figures f;
	struct dgen_monitor_hang h;

	if (!d->m)
		return;
	/* The target's own figures are its writes; a verify-only run's, its
	 * reads (and "verify" holds the reads of any run that verified). */
	dgen_monitor_figures(d->m, k, DGEN_PHASE_WRITE, &f);
	if (!f.bytes && verify)
		dgen_monitor_figures(d->m, k, DGEN_PHASE_VERIFY, &f);
	printf("      \"seconds\": %.6f, \"gbps\": %.6f, \"iops\": %.1f, \"latency_us\": { \"min\": %.3f, \"mean\": %.3f, \"p50\": %.3f, \"p99\": %.3f, \"p99.9\": %.3f, \"max\": %.3f }, \"errors\": %llu,\n",
	       f.seconds, f.gbps, f.iops, f.lat_min_us, f.lat_mean_us,
	       f.lat_p50_us, f.lat_p99_us, f.lat_p999_us, f.lat_max_us,
	       (unsigned long long)f.errors);
	if (verify) {
		dgen_monitor_figures(d->m, k, DGEN_PHASE_VERIFY, &f);
		printf("      \"verify\": { ");
		figures_json(&f);
		printf(" },\n");
	}
	if (dgen_monitor_hang(d->m, &h) && h.target == k)
		printf("      \"error\": \"timeout\", \"hang\": { \"offset\": %llu, \"len\": %u, \"seconds\": %.3f, \"at_s\": %.3f },\n",
		       (unsigned long long)h.offset, h.len, h.seconds, h.at_s);
	if (!v)
		return;
	printf("      \"verdict\": \"%s\", \"reason\": ", dgen_verdict_name(v->verdict));
	json_string(v->reason);
	printf(", \"slow\": %s, \"cliffs\": [", v->slow ? "true" : "false");
	for (unsigned int c = 0; c < v->ncliffs && c < DGEN_CLIFFS_MAX; c++)
		printf("%s{ \"phase\": \"%s\", \"at_bytes\": %llu, \"at_s\": %.3f, \"before_gbps\": %.6f, \"after_gbps\": %.6f }",
		       c ? ", " : "", dgen_phase_name(v->cliffs[c].phase),
		       (unsigned long long)v->cliffs[c].at_bytes,
		       v->cliffs[c].at_s, v->cliffs[c].before_gbps,
		       v->cliffs[c].after_gbps);
	printf("],\n");
}

void drive_target_human(const struct drive *d, unsigned int k, int verify)
{
	const struct dgen_target_verdict *v = d->v ? &d->v[k] : NULL;
	struct dgen_target_figures f;
	struct dgen_monitor_hang h;
	struct dgen_target_figures r;

	if (!d->m)
		return;
	/* Writes unless it only read (verify-only); reads once there were. */
	dgen_monitor_figures(d->m, k, DGEN_PHASE_WRITE, &f);
	dgen_monitor_figures(d->m, k, DGEN_PHASE_VERIFY, &r);
	if (f.bytes || !r.bytes)
		figures_human("write", &f);
	if (verify && r.bytes)
		figures_human("verify", &r);
	if (dgen_monitor_hang(d->m, &h) && h.target == k)
		printf("    hung: %u bytes at offset %llu outstanding for %.1f s\n",
		       h.len, (unsigned long long)h.offset, h.seconds);
	if (!v)
		return;
	printf("    verdict: %s%s%s%s\n", dgen_verdict_name(v->verdict),
	       *v->reason ? " (" : "", v->reason, *v->reason ? ")" : "");
	for (unsigned int c = 0; c < v->ncliffs && c < DGEN_CLIFFS_MAX; c++)
		printf("    cliff: %s at %.1f s, %llu B: %.3f -> %.3f GB/s\n",
		       dgen_phase_name(v->cliffs[c].phase), v->cliffs[c].at_s,
		       (unsigned long long)v->cliffs[c].at_bytes,
		       v->cliffs[c].before_gbps, v->cliffs[c].after_gbps);
}

void drive_pass_json(const struct drive *d, uint64_t n)
{
	const struct dgen_monitor_phase *ph;
	unsigned int np = d->m ? dgen_monitor_phases(d->m, &ph) : 0;

	if (!np)
		return;
	printf(", \"targets\": [");
	for (unsigned int k = 0; k < d->n; k++) {
		printf("%s{ \"path\": ", k ? ", " : "");
		json_string(d->names[k]);
		for (unsigned int i = 0; i < np; i++) {
			if (ph[i].pass != n)
				continue;
			printf(", \"%s\": { ", dgen_phase_name(ph[i].phase));
			figures_json(&ph[i].targets[k]);
			printf(" }");
		}
		printf(" }");
	}
	printf("]");
}

void drive_pass_human(const struct drive *d, uint64_t n)
{
	const struct dgen_monitor_phase *ph;
	unsigned int np = d->m ? dgen_monitor_phases(d->m, &ph) : 0;

	for (unsigned int k = 0; np && k < d->n; k++) {
		printf("    %s:", d->names[k]);
		for (unsigned int i = 0; i < np; i++) {
			const struct dgen_target_figures *f = &ph[i].targets[k];

			if (ph[i].pass != n)
				continue;
			printf(" %s %.3f GB/s, p99 %.1f us;",
			       dgen_phase_name(ph[i].phase), f->gbps,
			       f->lat_p99_us);
		}
		putchar('\n');
	}
}

void drive_run_json(const struct drive *d)
{
	const struct dgen_steady *st = d->m ? dgen_monitor_steady(d->m) : NULL;
	struct dgen_monitor_hang h;

	if (!d->m)
		return;
	printf(",\n  \"log_interval_s\": %.3f, \"io_timeout_s\": %.3f",
	       d->o->interval_s, d->o->io_timeout_s);
	if (st)
		printf(",\n  \"steady_state\": { \"reached\": %s, \"at_s\": %.3f, \"at_bytes\": %llu, \"mean_gbps\": %.6f, \"window\": %u, \"range\": %.4f, \"slope\": %.4f }",
		       st->reached ? "true" : "false", st->at_s,
		       (unsigned long long)st->at_bytes, st->mean_gbps,
		       st->o.window, st->o.range, st->o.slope);
	if (dgen_monitor_hang(d->m, &h)) {
		printf(",\n  \"hang\": { \"error\": \"timeout\", \"target\": ");
		json_string(d->names[h.target]);
		printf(", \"offset\": %llu, \"len\": %u, \"seconds\": %.3f, \"at_s\": %.3f }",
		       (unsigned long long)h.offset, h.len, h.seconds, h.at_s);
	}
}

void drive_run_human(const struct drive *d)
{
	const struct dgen_steady *st = d->m ? dgen_monitor_steady(d->m) : NULL;

	if (!st)
		return;
	if (st->reached)
		printf("  steady state: reached at %.1f s, %llu B, %.3f GB/s mean (window %u, range %.0f%%, slope %.0f%%)\n",
		       st->at_s, (unsigned long long)st->at_bytes, st->mean_gbps,
		       st->o.window, st->o.range * 100, st->o.slope * 100);
	else
		printf("  steady state: not reached (window %u, range %.0f%%, slope %.0f%%)\n",
		       st->o.window, st->o.range * 100, st->o.slope * 100);
}

void drive_status(const struct drive *d, FILE *f, int json)
{
	int slow;

	if (!d || !d->m)
		return;
	slow = dgen_monitor_slowest(d->m);
	if (!json) {
		if (slow >= 0 && d->n > 1)
			fprintf(f, "  slowest %s %.3f GB/s", d->names[slow],
				dgen_monitor_rate(d->m, (unsigned int)slow));
		return;
	}
	fprintf(f, ", \"targets\": [");
	for (unsigned int k = 0; k < d->n; k++) {
		double g = dgen_monitor_rate(d->m, k);

		fputs(k ? ", {\"path\": " : "{\"path\": ", f);
		json_string_to(f, d->names[k]);
		fprintf(f, ", \"gbps\": %.3f}", g > 0 ? g : 0);
	}
	fprintf(f, "], \"slowest\": ");
	if (slow >= 0)
		json_string_to(f, d->names[slow]);
	else
		fputs("null", f);
}

int drive_exit(const struct drive *d, int rc)
{
	if (rc || !d->v)
		return rc;
	for (unsigned int k = 0; k < d->n; k++)
		if ((d->o->fail_slow && d->v[k].slow) ||
		    (d->o->fail_cliff && d->v[k].ncliffs))
			return EXIT_VERDICT;
	return rc;
}

void drive_leave(int rc)
{
	fflush(NULL);
	_exit(rc);
}

void drive_free(struct drive *d)
{
	dgen_monitor_free(d->m);
	if (d->log)
		fclose(d->log);
	free(d->names);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

int drive_plot_from(const struct drive_opts *o)
{
	struct dgen_series *s;
	char msg[256], title[512];
	FILE *in = fopen(o->plot_from, "r"), *out;
	int r;

	if (!in) {
		fprintf(stderr, "dgen-uring: cannot read the log %s: %s\n",
			o->plot_from, strerror(errno));
		return EXIT_USAGE;
	}
	r = dgen_series_read(&s, in, msg, sizeof(msg));
	fclose(in);
	if (r) {
		fprintf(stderr, "dgen-uring: %s: %s\n", o->plot_from,
			r == -ENOMEM ? "out of memory" : msg);
		return EXIT_USAGE;
	}
	snprintf(title, sizeof(title), "dgen-uring: %s", o->plot_from);
	out = fopen(o->plot, "w");
	r = !out || dgen_plot_svg(out, s, NULL, title);
	if (out && fclose(out))
		r = 1;
	if (r)
		fprintf(stderr, "dgen-uring: cannot write the plot %s: %s\n",
			o->plot, strerror(errno));
	dgen_series_free(s);
	return r ? EXIT_USAGE : 0;
}
