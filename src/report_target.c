// SPDX-License-Identifier: MIT
/*
 * report_target.c - what the reports say of each target: its own figures
 * and verdict (the run's monitor), its hang, its NVMe drive's identity and
 * health, its discard
 *
 * The same lines and members in the write report and the verify/burn-in
 * report, so a script reads a target the same way in both.
 */
#include <string.h>

#include "report_impl.h"

static void figures_json(struct rep *p, const struct dgen_target_figures *f)
{
	rp(p, "\"bytes\": %llu, \"seconds\": %.6f, \"gbps\": %.6f, \"iops\": %.1f, \"latency_us\": { \"min\": %.3f, \"mean\": %.3f, \"p50\": %.3f, \"p99\": %.3f, \"p99.9\": %.3f, \"max\": %.3f }, \"errors\": %llu",
	   (unsigned long long)f->bytes, f->seconds, f->gbps, f->iops,
	   f->lat_min_us, f->lat_mean_us, f->lat_p50_us, f->lat_p99_us,
	   f->lat_p999_us, f->lat_max_us, (unsigned long long)f->errors);
}

static void figures_human(struct rep *p, const char *what,
			  const struct dgen_target_figures *f)
{
	rp(p, "    %s: %.3f GB/s, %.0f IOPS, %llu B in %.3f s; lat (usec) min %.1f, p50 %.1f, p99 %.1f, p99.9 %.1f, max %.1f%s\n",
	   what, f->gbps, f->iops, (unsigned long long)f->bytes, f->seconds,
	   f->lat_min_us, f->lat_p50_us, f->lat_p99_us, f->lat_p999_us,
	   f->lat_max_us, f->errors ? ", errors" : "");
}

void rp_figures_json(struct rep *p, unsigned int k, int verify)
{
	const struct dgen_monitor *m = p->r->monitor;
	struct dgen_target_figures f;

	if (!m)
		return;
	/* The target's own figures are its writes; a verify-only run's, its
	 * reads (and "verify" holds the reads of any run that verified). */
	dgen_monitor_figures(m, k, DGEN_PHASE_WRITE, &f);
	if (!f.bytes && verify)
		dgen_monitor_figures(m, k, DGEN_PHASE_VERIFY, &f);
	rp(p, "      \"seconds\": %.6f, \"gbps\": %.6f, \"iops\": %.1f, \"latency_us\": { \"min\": %.3f, \"mean\": %.3f, \"p50\": %.3f, \"p99\": %.3f, \"p99.9\": %.3f, \"max\": %.3f }, \"errors\": %llu,\n",
	   f.seconds, f.gbps, f.iops, f.lat_min_us, f.lat_mean_us,
	   f.lat_p50_us, f.lat_p99_us, f.lat_p999_us, f.lat_max_us,
	   (unsigned long long)f.errors);
	if (verify) {
		dgen_monitor_figures(m, k, DGEN_PHASE_VERIFY, &f);
		rp(p, "      \"verify\": { ");
		figures_json(p, &f);
		rp(p, " },\n");
	}
	rp_verdict_json(p, k);
}

void rp_verdict_json(struct rep *p, unsigned int k)
{
	const struct dgen_monitor *m = p->r->monitor;
	const struct dgen_target_verdict *v = p->r->verdicts ?
					      &p->r->verdicts[k] : NULL;
	struct dgen_monitor_hang h;

	if (!m)
		return;
	if (dgen_monitor_hang(m, &h) && h.target == k)
		rp(p, "      \"error\": \"timeout\", \"hang\": { \"offset\": %llu, \"len\": %u, \"seconds\": %.3f, \"at_s\": %.3f },\n",
		   (unsigned long long)h.offset, h.len, h.seconds, h.at_s);
	if (!v)
		return;
	rp(p, "      \"verdict\": \"%s\", \"reason\": ", dgen_verdict_name(v->verdict));
	rp_str(p, v->reason);
	rp(p, ", \"slow\": %s, \"cliffs\": [", v->slow ? "true" : "false");
	for (unsigned int c = 0; c < v->ncliffs && c < DGEN_CLIFFS_MAX; c++)
		rp(p, "%s{ \"phase\": \"%s\", \"at_bytes\": %llu, \"at_s\": %.3f, \"before_gbps\": %.6f, \"after_gbps\": %.6f }",
		   c ? ", " : "", dgen_phase_name(v->cliffs[c].phase),
		   (unsigned long long)v->cliffs[c].at_bytes,
		   v->cliffs[c].at_s, v->cliffs[c].before_gbps,
		   v->cliffs[c].after_gbps);
	rp(p, "],\n");
}

void rp_figures_human(struct rep *p, unsigned int k, int verify)
{
	const struct dgen_monitor *m = p->r->monitor;
	struct dgen_target_figures f, rd;

	if (!m)
		return;
	/* Writes unless it only read (verify-only); reads once there were. */
	dgen_monitor_figures(m, k, DGEN_PHASE_WRITE, &f);
	dgen_monitor_figures(m, k, DGEN_PHASE_VERIFY, &rd);
	if (f.bytes || !rd.bytes)
		figures_human(p, "write", &f);
	if (verify && rd.bytes)
		figures_human(p, "verify", &rd);
	rp_verdict_human(p, k);
}

void rp_verdict_human(struct rep *p, unsigned int k)
{
	const struct dgen_monitor *m = p->r->monitor;
	const struct dgen_target_verdict *v = p->r->verdicts ?
					      &p->r->verdicts[k] : NULL;
	struct dgen_monitor_hang h;

	if (!m)
		return;
	if (dgen_monitor_hang(m, &h) && h.target == k)
		rp(p, "    hung: %u bytes at offset %llu outstanding for %.1f s\n",
		   h.len, (unsigned long long)h.offset, h.seconds);
	if (!v)
		return;
	rp(p, "    verdict: %s%s%s%s\n", dgen_verdict_name(v->verdict),
	   *v->reason ? " (" : "", v->reason, *v->reason ? ")" : "");
	for (unsigned int c = 0; c < v->ncliffs && c < DGEN_CLIFFS_MAX; c++)
		rp(p, "    cliff: %s at %.1f s, %llu B: %.3f -> %.3f GB/s\n",
		   dgen_phase_name(v->cliffs[c].phase), v->cliffs[c].at_s,
		   (unsigned long long)v->cliffs[c].at_bytes,
		   v->cliffs[c].before_gbps, v->cliffs[c].after_gbps);
}

void rp_pass_targets_json(struct rep *p, uint64_t n)
{
	const struct dgen_monitor_phase *ph;
	unsigned int np = p->r->monitor ?
			  dgen_monitor_phases(p->r->monitor, &ph) : 0;

	if (!np || !p->r->ntargets)
		return;
	rp(p, ", \"targets\": [");
	for (unsigned int k = 0; k < p->r->ntargets; k++) {
		rp(p, "%s{ \"path\": ", k ? ", " : "");
		rp_str(p, rp_target(p, k));
		for (unsigned int i = 0; i < np; i++) {
			if (ph[i].pass != n)
				continue;
			rp(p, ", \"%s\": { ", dgen_phase_name(ph[i].phase));
			figures_json(p, &ph[i].targets[k]);
			rp(p, " }");
		}
		rp(p, " }");
	}
	rp(p, "]");
}

void rp_pass_targets_human(struct rep *p, uint64_t n)
{
	const struct dgen_monitor_phase *ph;
	unsigned int np = p->r->monitor ?
			  dgen_monitor_phases(p->r->monitor, &ph) : 0;

	for (unsigned int k = 0; np && k < p->r->ntargets; k++) {
		rp(p, "    %s:", rp_target(p, k));
		for (unsigned int i = 0; i < np; i++) {
			const struct dgen_target_figures *f = &ph[i].targets[k];

			if (ph[i].pass != n)
				continue;
			rp(p, " %s %.3f GB/s, p99 %.1f us;",
			   dgen_phase_name(ph[i].phase), f->gbps, f->lat_p99_us);
		}
		rp(p, "\n");
	}
}

void rp_watch_json(struct rep *p)
{
	const struct dgen_monitor *m = p->r->monitor;
	const struct dgen_steady *st = m ? dgen_monitor_steady(m) : NULL;
	struct dgen_monitor_hang h;

	if (!m)
		return;
	rp(p, ",\n  \"log_interval_s\": %.3f, \"io_timeout_s\": %.3f",
	   p->o->watch.interval_s, p->o->watch.io_timeout_s);
	if (st)
		rp(p, ",\n  \"steady_state\": { \"reached\": %s, \"at_s\": %.3f, \"at_bytes\": %llu, \"mean_gbps\": %.6f, \"window\": %u, \"range\": %.4f, \"slope\": %.4f }",
		   st->reached ? "true" : "false", st->at_s,
		   (unsigned long long)st->at_bytes, st->mean_gbps,
		   st->o.window, st->o.range, st->o.slope);
	if (dgen_monitor_hang(m, &h)) {
		rp(p, ",\n  \"hang\": { \"error\": \"timeout\", \"target\": ");
		rp_str(p, rp_watched(p, h.target));
		rp(p, ", \"offset\": %llu, \"len\": %u, \"seconds\": %.3f, \"at_s\": %.3f }",
		   (unsigned long long)h.offset, h.len, h.seconds, h.at_s);
	}
}

void rp_watch_human(struct rep *p)
{
	const struct dgen_monitor *m = p->r->monitor;
	const struct dgen_steady *st = m ? dgen_monitor_steady(m) : NULL;

	if (!st)
		return;
	if (st->reached)
		rp(p, "  steady state: reached at %.1f s, %llu B, %.3f GB/s mean (window %u, range %.0f%%, slope %.0f%%)\n",
		   st->at_s, (unsigned long long)st->at_bytes, st->mean_gbps,
		   st->o.window, st->o.range * 100, st->o.slope * 100);
	else
		rp(p, "  steady state: not reached (window %u, range %.0f%%, slope %.0f%%)\n",
		   st->o.window, st->o.range * 100, st->o.slope * 100);
}

/* ===== NVMe health ===== */

static void snapshot_json(struct rep *p, const struct dgen_nvme_health *s)
{
	rp(p, "{ \"critical_warning\": %u, \"warnings\": [", s->critical_warning);
	for (unsigned int b = 0, n = 0; b < 8; b++)
		if (s->critical_warning & (1u << b)) {
			const char *name = dgen_nvme_warning_name(1u << b);

			rp(p, "%s\"%s\"", n++ ? ", " : "", name ? name : "reserved");
		}
	rp(p, "], \"temperature_c\": %d, \"available_spare\": %u, \"spare_threshold\": %u, \"percentage_used\": %u, \"media_errors\": %llu, \"num_err_log_entries\": %llu, \"data_units_read\": %llu, \"data_units_written\": %llu, \"host_read_commands\": %llu, \"host_write_commands\": %llu, \"power_on_hours\": %llu, \"unsafe_shutdowns\": %llu }",
	   (int)s->temperature_k - 273, s->available_spare,
	   s->spare_threshold, s->percentage_used,
	   (unsigned long long)s->media_errors,
	   (unsigned long long)s->num_err_log_entries,
	   (unsigned long long)s->data_units_read,
	   (unsigned long long)s->data_units_written,
	   (unsigned long long)s->host_read_commands,
	   (unsigned long long)s->host_write_commands,
	   (unsigned long long)s->power_on_hours,
	   (unsigned long long)s->unsafe_shutdowns);
}

/* What the drive counted between two logs. One data unit is 1000 x 512
 * bytes (rounded up by the drive). */
static void during_json(struct rep *p, const struct dgen_nvme_health *b,
			const struct dgen_nvme_health *a)
{
	rp(p, "{ \"data_units_written\": %llu, \"bytes_written\": %llu, \"host_write_commands\": %llu, \"data_units_read\": %llu, \"host_read_commands\": %llu }",
	   (unsigned long long)(a->data_units_written - b->data_units_written),
	   (unsigned long long)(a->data_units_written - b->data_units_written) * 512000ull,
	   (unsigned long long)(a->host_write_commands - b->host_write_commands),
	   (unsigned long long)(a->data_units_read - b->data_units_read),
	   (unsigned long long)(a->host_read_commands - b->host_read_commands));
}

/* Each pass: its verdict, what it wrote and read, the log at its end. */
static void passes_json(struct rep *p, const struct dgen_nvme_watch *h)
{
	char why[256];

	if (!h->npasses)
		return;
	rp(p, ",\n        \"passes\": [");
	for (unsigned int i = 0; i < h->npasses; i++) {
		const struct dgen_nvme_pass *ps = &h->passes[i];

		rp(p, "%s\n          { \"pass\": %llu, ", i ? "," : "",
		   (unsigned long long)ps->pass);
		if (ps->err) {
			rp(p, "\"verdict\": null, \"error\": ");
			rp_str(p, strerror(-ps->err));
			rp(p, " }");
			continue;
		}
		dgen_nvme_health_judge(&h->id, &ps->before, &ps->after, why,
				       sizeof(why));
		rp(p, "\"verdict\": \"%s\", \"reasons\": ",
		   ps->bad ? "unhealthy" : "ok");
		rp_str(p, why);
		rp(p, ", \"during\": ");
		during_json(p, &ps->before, &ps->after);
		rp(p, ", \"after\": ");
		snapshot_json(p, &ps->after);
		rp(p, " }");
	}
	rp(p, " ]");
}

void rp_health_json(struct rep *p, unsigned int k)
{
	const struct dgen_nvme_watch *h = p->r->health ? &p->r->health[k] : NULL;

	if (!h || !h->nvme)
		return;
	rp(p, ",\n      \"nvme\": { \"model\": ");
	rp_str(p, h->id.model);
	rp(p, ", \"serial\": ");
	rp_str(p, h->id.serial);
	rp(p, ", \"firmware\": ");
	rp_str(p, h->id.firmware);
	rp(p, ", \"wctemp_c\": %d, \"cctemp_c\": %d }",
	   h->id.wctemp_k ? (int)h->id.wctemp_k - 273 : 0,
	   h->id.cctemp_k ? (int)h->id.cctemp_k - 273 : 0);
	rp(p, ",\n      \"health\": { ");
	if (!h->have_before || !h->have_after) {
		rp(p, "\"verdict\": null, \"error\": ");
		rp_str(p, strerror(-h->err));
		rp(p, " }");
		return;
	}
	rp(p, "\"verdict\": \"%s\", \"reasons\": ", h->bad ? "unhealthy" : "ok");
	rp_str(p, h->why);
	rp(p, ", \"first_unhealthy_pass\": ");
	if (h->bad_pass)
		rp(p, "%llu", (unsigned long long)h->bad_pass);
	else
		rp(p, "null");
	rp(p, ", \"during\": ");
	during_json(p, &h->before, &h->after);
	rp(p, ",\n        \"before\": ");
	snapshot_json(p, &h->before);
	rp(p, ",\n        \"after\": ");
	snapshot_json(p, &h->after);
	passes_json(p, h);
	rp(p, " }");
}

void rp_health_human(struct rep *p, unsigned int k)
{
	const struct dgen_nvme_watch *h = p->r->health ? &p->r->health[k] : NULL;
	const struct dgen_nvme_health *a;

	if (!h || !h->nvme)
		return;
	a = &h->after;
	rp(p, "    nvme: %s, serial %s, firmware %s\n", h->id.model,
	   h->id.serial, h->id.firmware);
	if (!h->have_before || !h->have_after) {
		rp(p, "    health: not read (%s)\n", strerror(-h->err));
		return;
	}
	rp(p, "    health: %s%s%s; temperature %d C (warning %d C), critical warning 0x%02x, spare %u%% (threshold %u%%), used %u%%, media errors %llu, error log %llu; during the run: %llu data units (%llu MB) and %llu commands written\n",
	   h->bad ? "UNHEALTHY (" : "ok", h->why, h->bad ? ")" : "",
	   (int)a->temperature_k - 273,
	   h->id.wctemp_k ? (int)h->id.wctemp_k - 273 : 0,
	   a->critical_warning, a->available_spare, a->spare_threshold,
	   a->percentage_used, (unsigned long long)a->media_errors,
	   (unsigned long long)a->num_err_log_entries,
	   (unsigned long long)(a->data_units_written - h->before.data_units_written),
	   (unsigned long long)(a->data_units_written - h->before.data_units_written) * 512000ull / 1000000ull,
	   (unsigned long long)(a->host_write_commands - h->before.host_write_commands));
	if (h->npasses)
		rp(p, "    health by pass: %u read, %s%llu\n", h->npasses,
		   h->bad_pass ? "first unhealthy: pass " : "all ok, the last: pass ",
		   (unsigned long long)(h->bad_pass ? h->bad_pass :
					h->passes[h->npasses - 1].pass));
}

/* ===== Discard ===== */

void rp_trim_json(struct rep *p, unsigned int k)
{
	const struct dgen_discard_result *t = p->r->trim ? &p->r->trim[k] : NULL;

	if (!t || !t->how)
		return;
	rp(p, ",\n      \"trim\": { \"how\": \"%s\", \"bytes\": %llu, \"seconds\": %.6f }",
	   t->how, (unsigned long long)t->bytes, t->seconds);
}

void rp_trim_human(struct rep *p, unsigned int k)
{
	const struct dgen_discard_result *t = p->r->trim ? &p->r->trim[k] : NULL;

	if (!t || !t->how)
		return;
	rp(p, "    trim: %llu bytes discarded (%s) in %.3f s\n",
	   (unsigned long long)t->bytes, t->how, t->seconds);
}
