/* SPDX-License-Identifier: MIT */
/*
 * dgen/plot.h - draw a run's series as an SVG picture
 */
#ifndef DGEN_PLOT_H
#define DGEN_PLOT_H

#include <stdio.h>

#include <dgen/series.h>
#include <dgen/verdict.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * dgen_plot_svg - write an SVG 1.1 document to @f: GB/s over time, one
 * line per target (named in the legend), above the p99 latency of each
 * interval (log scale); cliffs (found in @s with @vo, NULL: defaults) are
 * marked with a dashed line and hangs (the series' events) with a red
 * cross, each labelled with its target. Needs nothing at run time to
 * view: a browser or rsvg-convert shows it. Returns 0 or -EIO.
 */
int dgen_plot_svg(FILE *f, const struct dgen_series *s,
		  const struct dgen_verdict_opts *vo, const char *title);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_PLOT_H */
