/* SPDX-License-Identifier: MIT */
/*
 * trim.h - --trim: discard every target's range before the first pass,
 * and the report's lines for it
 */
#ifndef DGEN_TOOLS_TRIM_H
#define DGEN_TOOLS_TRIM_H

#include <dgen/discard.h>

/*
 * trim_targets - check that all @n targets can discard (refusing before
 * any is touched: exit 2), then discard each, into @res[k]. Returns 0,
 * 2 (refused) or 3 (a discard failed), with the message on stderr.
 */
int trim_targets(struct dgen_target *const *t, unsigned int n,
		 struct dgen_discard_result *res);

/* trim_report - the report of a --trim-only run (human or JSON). */
void trim_report(struct dgen_target *const *t, unsigned int n,
		 const struct dgen_discard_result *res, int json);

/* trim_json - ",\n      \"trim\": {...}" inside target @k's object when
 * @res is given, nothing otherwise. */
void trim_json(const struct dgen_discard_result *res);

/* trim_human - the target's trim line, or nothing. */
void trim_human(const struct dgen_discard_result *res);

#endif /* DGEN_TOOLS_TRIM_H */
