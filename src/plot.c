// SPDX-License-Identifier: MIT
/*
 * plot.c - a run's GB/s and p99 latency over time as an SVG picture
 *
 * Plain SVG 1.1 (lines, polylines, text), no scripts or fonts of its own,
 * so browsers and librsvg draw it the same; written with stdio alone, so
 * the tool needs no plotting package.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/plot.h>

#define W		1000.0
#define H		680.0
#define LEFT		80.0
#define RIGHT		260.0		/* room for the legend */
#define TOP1		50.0		/* GB/s panel */
#define H1		330.0
#define TOP2		430.0		/* latency panel */
#define H2		190.0

static const char *const colours[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
	"#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};

static void put_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			/* Control characters are not allowed in XML 1.0. */
			fputc((unsigned char)*s < 0x20 ? '?' : *s, f);
		}
	}
}

/* A round step for an axis of @span in about @ticks steps: 1, 2 or 5 x 10^n. */
static double nice_step(double span, int ticks)
{
	double raw = span / ticks, p = pow(10, floor(log10(raw))), m = raw / p;

	return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

struct frame {
	double t_max, g_max, l_lo, l_hi;	/* latency: log10 us */
};

static double x_of(const struct frame *fr, double t)
{
	return LEFT + (W - LEFT - RIGHT) * t / fr->t_max;
}

static double y_rate(const struct frame *fr, double g)
{
	return TOP1 + H1 - H1 * g / fr->g_max;
}

static double y_lat(const struct frame *fr, double us)
{
	double l = log10(us > 0 ? us : 1);

	return TOP2 + H2 - H2 * (l - fr->l_lo) / (fr->l_hi - fr->l_lo);
}

static void axes(FILE *f, const struct frame *fr)
{
	double step = nice_step(fr->t_max, 8), gs = nice_step(fr->g_max, 5);

	fprintf(f, "<g stroke=\"#000\" fill=\"none\">\n"
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n"
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n</g>\n",
		LEFT, TOP1, W - LEFT - RIGHT, H1, LEFT, TOP2, W - LEFT - RIGHT, H2);
	fprintf(f, "<g font-family=\"sans-serif\" font-size=\"11\" fill=\"#000\">\n");
	for (double t = 0; t <= fr->t_max * 1.0001; t += step) {
		double x = x_of(fr, t);

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			x, TOP1, x, TOP1 + H1);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			x, TOP2, x, TOP2 + H2);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
			x, TOP2 + H2 + 15, t);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">time (s)</text>\n",
		LEFT + (W - LEFT - RIGHT) / 2, TOP2 + H2 + 32);
	for (double g = 0; g <= fr->g_max * 1.0001; g += gs) {
		double y = y_rate(fr, g);

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			LEFT, y, W - RIGHT, y);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
			LEFT - 5, y + 4, g);
	}
	for (double l = fr->l_lo; l <= fr->l_hi + 1e-9; l += 1) {
		double y = y_lat(fr, pow(10, l));

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			LEFT, y, W - RIGHT, y);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
			LEFT - 5, y + 4, pow(10, l));
	}
	fprintf(f, "<text transform=\"translate(20,%.1f) rotate(-90)\" text-anchor=\"middle\">GB/s</text>\n",
		TOP1 + H1 / 2);
	fprintf(f, "<text transform=\"translate(20,%.1f) rotate(-90)\" text-anchor=\"middle\">p99 latency (us)</text>\n",
		TOP2 + H2 / 2);
	fprintf(f, "</g>\n");
}

/* The scales: every row and event inside, and never an empty range. */
static void frame_of(const struct dgen_series *s, struct frame *fr)
{
	double lo = INFINITY, hi = -INFINITY;

	fr->t_max = 0;
	fr->g_max = 0;
	for (size_t i = 0; i < s->nrows; i++) {
		const struct dgen_series_row *r = &s->rows[i];
		double g = dgen_series_row_gbps(r);

		if (r->t > fr->t_max)
			fr->t_max = r->t;
		if (g > fr->g_max)
			fr->g_max = g;
		if (r->p99_us > 0) {
			lo = fmin(lo, log10(r->p99_us));
			hi = fmax(hi, log10(r->p99_us));
		}
	}
	for (size_t i = 0; i < s->nevents; i++) {
		if (s->events[i].t > fr->t_max)
			fr->t_max = s->events[i].t;
		if (s->events[i].seconds * 1e6 > 0)
			hi = fmax(hi, log10(s->events[i].seconds * 1e6));
	}
	if (fr->t_max <= 0)
		fr->t_max = 1;
	fr->g_max = fr->g_max > 0 ? fr->g_max * 1.1 : 1;
	if (lo > hi) {
		lo = 1;
		hi = 3;
	}
	fr->l_lo = floor(lo);
	fr->l_hi = ceil(hi) > fr->l_lo ? ceil(hi) : fr->l_lo + 1;
}

/* Target @k's line in a panel: its rows' rates (@lat 0) or p99 (@lat 1). */
static void line(FILE *f, const struct dgen_series *s, const struct frame *fr,
		 unsigned int k, int lat)
{
	double last_t = -1;
	int open = 0;

	for (size_t i = 0; i < s->nrows; i++) {
		const struct dgen_series_row *r = &s->rows[i];
		double x = x_of(fr, r->t - r->dt / 2);

		if (r->target != k || (lat && r->p99_us <= 0))
			continue;
		/* An idle stretch (the target done, waiting for the others)
		 * is a gap, not a line across it. */
		if (open && r->t - r->dt > last_t + r->dt / 2 + 1e-3) {
			fprintf(f, "\"/>\n");
			open = 0;
		}
		last_t = r->t;
		if (!open)
			fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
				colours[k % 10]);
		fprintf(f, "%s%.1f,%.1f", open ? " " : "", x,
			lat ? y_lat(fr, r->p99_us) : y_rate(fr, dgen_series_row_gbps(r)));
		open = 1;
	}
	if (open)
		fprintf(f, "\"/>\n");
}

int dgen_plot_svg(FILE *f, const struct dgen_series *s,
		  const struct dgen_verdict_opts *vo, const char *title)
{
	struct dgen_cliff cl[DGEN_CLIFFS_MAX];
	unsigned int marks = 0;
	struct frame fr;

	frame_of(s, &fr);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
		W, H, W, H);
	fprintf(f, "<text x=\"%.1f\" y=\"28\" font-family=\"sans-serif\" font-size=\"16\">",
		LEFT);
	put_text(f, title ? title : "dgen-uring");
	fprintf(f, "</text>\n");
	axes(f, &fr);
	for (unsigned int k = 0; k < s->ntargets; k++) {
		line(f, s, &fr, k, 0);
		line(f, s, &fr, k, 1);
	}
	/* Cliffs: where each began, across both panels. */
	fprintf(f, "<g font-family=\"sans-serif\" font-size=\"10\">\n");
	for (unsigned int k = 0; k < s->ntargets; k++) {
		unsigned int n = dgen_cliffs_find(s, k, vo, cl, DGEN_CLIFFS_MAX);

		for (unsigned int c = 0; c < n && c < DGEN_CLIFFS_MAX; c++) {
			double x = x_of(&fr, cl[c].at_s);

			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"6,4\"/>\n",
				x, TOP1, x, TOP2 + H2, colours[k % 10]);
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">cliff: ",
				x + 3, TOP1 + 12 + 12 * (marks++ % 20), colours[k % 10]);
			put_text(f, s->names[k]);
			fprintf(f, "</text>\n");
		}
	}
	/* Hangs: a red cross at the time it was seen, on the rate axis. */
	for (size_t i = 0; i < s->nevents; i++) {
		const struct dgen_series_event *e = &s->events[i];
		double x = x_of(&fr, e->t), y = TOP1 + H1 - 8;

		fprintf(f, "<path d=\"M%.1f,%.1f l8,8 m0,-8 l-8,8\" stroke=\"#d00\" stroke-width=\"2\"/>\n",
			x - 4, y - 4);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#d00\" text-anchor=\"end\">hung: ",
			x - 6, y - 6);
		put_text(f, e->target < s->ntargets ? s->names[e->target] : "?");
		fprintf(f, " at %llu</text>\n", (unsigned long long)e->offset);
	}
	fprintf(f, "</g>\n");
	/* The legend: every target by name. */
	fprintf(f, "<g font-family=\"sans-serif\" font-size=\"12\">\n");
	for (unsigned int k = 0; k < s->ntargets; k++) {
		double y = TOP1 + 10 + 18 * k;

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>\n",
			W - RIGHT + 15, y - 4, W - RIGHT + 35, y - 4, colours[k % 10]);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", W - RIGHT + 40, y);
		put_text(f, s->names[k]);
		fprintf(f, "</text>\n");
	}
	fprintf(f, "</g>\n</svg>\n");
	return ferror(f) ? -EIO : 0;
}
