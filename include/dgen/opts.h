/* SPDX-License-Identifier: MIT */
/*
 * dgen/opts.h - a run's options by name, as dgen-uring's command line
 * names them, and the parsers of their values
 *
 * One table lists every option of a run (struct dgen_run_opts): its name,
 * the kind of value it takes and its range. dgen_run_opts_set sets one by
 * name from text, refusing a bad value with a sentence that names the
 * option; dgen_run_opts_check then applies the rules that tie options
 * together (--verify-only needs --seed, a tree takes --file-size, ...).
 * A tool builds its command line from the table (dgen_opt_at) and adds
 * only what is its own (targets, output format, help); a new option of a
 * run is one entry in the table and one field in the options.
 *
 * The parsers are the ones the table uses, for programs that take the
 * same values (sizes in powers of 1024, ratios, durations).
 */
#ifndef DGEN_OPTS_H
#define DGEN_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/run.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===== Parsers ===== */

/*
 * dgen_parse_size - a byte count: digits, then optionally K, M, G, T or
 * P, each alone or followed by B or iB, any case; all are powers of 1024
 * (fio's default kb_base). Returns 0, or -EINVAL for anything else or
 * -ERANGE past 2^64 - 1.
 */
int dgen_parse_size(const char *s, uint64_t *out);

/*
 * dgen_parse_u64 - a whole number, decimal or 0x hex; no sign, no space
 * (strtoull alone takes "-1" as 2^64 - 1). Returns 0, -EINVAL or -ERANGE.
 */
int dgen_parse_u64(const char *s, uint64_t *out);

/* dgen_parse_ratio - a finite decimal number. Returns 0 or -EINVAL. */
int dgen_parse_ratio(const char *s, double *out);

/*
 * The longest duration: 2^62 ns (about 146 years), half of what the
 * library's clock (int64 nanoseconds) holds, the other half being the
 * clock's own reading that a deadline is added to.
 */
#define DGEN_DURATION_MAX_S	4611686018.0

/*
 * dgen_parse_duration - a positive number of seconds, optionally with s,
 * m, h or d ("90s", "1.5h"). Returns 0, -EINVAL, or -ERANGE past
 * DGEN_DURATION_MAX_S or under one nanosecond.
 */
int dgen_parse_duration(const char *s, double *out);

/* dgen_parse_seconds - a finite number of seconds, 0 or more, no unit.
 * Returns 0 or -EINVAL. */
int dgen_parse_seconds(const char *s, double *out);

/*
 * dgen_parse_rate - bytes per second: a size, optionally followed by
 * "/s" ("500M", "500M/s"); not 0. Returns 0 or -EINVAL.
 */
int dgen_parse_rate(const char *s, uint64_t *out);

/* ===== The options of a run ===== */

enum dgen_opt_kind {
	DGEN_OPT_FLAG,			/* no value */
	DGEN_OPT_SIZE,			/* dgen_parse_size */
	DGEN_OPT_COUNT,			/* dgen_parse_u64 */
	DGEN_OPT_RATIO,			/* dgen_parse_ratio */
	DGEN_OPT_DURATION,		/* dgen_parse_duration */
	DGEN_OPT_SECONDS,		/* dgen_parse_seconds */
	DGEN_OPT_RATE,			/* dgen_parse_rate */
	DGEN_OPT_STRING,		/* kept as given: a path, a CPU list */
	DGEN_OPT_CHOICE,		/* one word (or a list) of a few */
	DGEN_OPT_SPEC,			/* a small language of its own */
};

/* How an option takes its value (getopt's has_arg). */
#define DGEN_OPT_NO_VALUE	0
#define DGEN_OPT_VALUE		1
#define DGEN_OPT_MAYBE_VALUE	2

/* One option of the table. */
struct dgen_opt {
	const char *name;		/* the long name, without "--" */
	char short_name;		/* its letter, or 0 */
	enum dgen_opt_kind kind;
	int value;			/* DGEN_OPT_*VALUE */
};

/*
 * What dgen_run_opts_set records in dgen_run_opts.given: the rules that
 * depend on what was asked rather than on a value (a passes report for
 * any pass option, --verify-only needs a --seed given).
 */
#define DGEN_GIVEN_SEED		(1u << 0)	/* --seed */
#define DGEN_GIVEN_VERIFY	(1u << 1)	/* --verify */
#define DGEN_GIVEN_VERIFY_ONLY	(1u << 2)	/* --verify-only */
#define DGEN_GIVEN_PASSES	(1u << 3)	/* any of --verify, --verify-only,
						   --pass, --passes, --time,
						   --rate, --status-interval,
						   --max-report */
#define DGEN_GIVEN_WATCH	(1u << 4)	/* any of --log, --log-interval,
						   --io-timeout, --fail-on,
						   --steady-state, --plot */
#define DGEN_GIVEN_OBJECTS	(1u << 5)	/* any of --endpoint, --part-size,
						   --retries */
#define DGEN_GIVEN_RING		(1u << 6)	/* any of --bs, --pattern, --sqpoll,
						   --iopoll: io_uring's, not an
						   object store's */
#define DGEN_GIVEN_DATA		(1u << 7)	/* any of --dedup, --compress,
						   --compress-mix */
#define DGEN_GIVEN_LIKE		(1u << 8)	/* --like */
#define DGEN_GIVEN_CPUS_POLICY	(1u << 9)	/* --cpus-policy: placement's,
						   refused where none is made */

/* dgen_opt_at - option @i of the table; NULL past the last. */
const struct dgen_opt *dgen_opt_at(unsigned int i);

/*
 * dgen_run_opts_set - set the option called @name (the long name, or its
 * letter as a one-character string) from @value (NULL for a flag; for an
 * optional value, NULL takes the default). Strings are kept as pointers:
 * @value must outlive @o. Records the option in o->given.
 *
 * Returns 0; -ENOENT for a name the table does not have; -EINVAL with a
 * sentence for the user in @msg ("--bs 0 is out of range: 1 to ...") for
 * a value the option does not take.
 */
int dgen_run_opts_set(struct dgen_run_opts *o, const char *name,
		      const char *value, char *msg, size_t msglen);

/*
 * dgen_run_opts_check - the rules between options, once all are set:
 * one kind of target (paths, a tree, a descriptor) with what goes with
 * it, --verify and --verify-only apart, --verify-only with --seed and one
 * pass, --trim not with what is to be read, the per-target options on
 * paths, no target given twice, the stream parameters, the object
 * store's options with objects and the device options not. Nothing is
 * touched. Returns 0, or -EINVAL with a sentence in @msg that names the
 * options.
 */
int dgen_run_opts_check(const struct dgen_run_opts *o, char *msg,
			size_t msglen);

/*
 * dgen_run_opts_objects - 1 when @o's targets are objects: its tree's
 * directory, or one of its target paths, is an object store's URL
 * (s3://, az://; dgen/objstore.h). Else 0.
 */
int dgen_run_opts_objects(const struct dgen_run_opts *o);

/*
 * dgen_run_opts_seed - when no seed was given (DGEN_GIVEN_SEED), draw one
 * at random (getrandom) into o->params.seed and set DGEN_RUN_SEED_DRAWN.
 * Returns 0 or -errno.
 */
int dgen_run_opts_seed(struct dgen_run_opts *o);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_OPTS_H */
