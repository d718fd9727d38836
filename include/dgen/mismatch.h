/* SPDX-License-Identifier: MIT */
/*
 * dgen/mismatch.h - one block that read back wrong, and its kind
 *
 * Verify (the writer in DGEN_MODE_VERIFY, dgen_format_verify, runs) reports
 * bad blocks as these records.
 */
#ifndef DGEN_MISMATCH_H
#define DGEN_MISMATCH_H

#include <stdint.h>

#include <dgen/stream.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What a block that reads back wrong holds instead (doc/data-contract.md
 * section 5). DGEN_MISMATCH_KINDS counts the kinds a verify finds; the
 * kinds after it name what a check after a crash finds (dgen/crash.h),
 * judged against the crash journal rather than one expected stream.
 */
enum dgen_mismatch_kind {
	DGEN_MISMATCH_ZEROED,		/* all zero bytes */
	DGEN_MISMATCH_STALE,		/* the previous pass's bytes there */
	DGEN_MISMATCH_FOREIGN,		/* anything else */
	DGEN_MISMATCH_KINDS,
	/* After a crash (dgen_crash_check): */
	DGEN_MISMATCH_LOST = DGEN_MISMATCH_KINDS, /* durable, yet not the
					   pass's data */
	DGEN_MISMATCH_CORRUPT,		/* neither the pass's data nor what it
					   wrote over */
	DGEN_MISMATCH_TORN,		/* not durable, part new and part old */
	DGEN_MISMATCH_ALL_KINDS
};

#define DGEN_MAX_REPORT_DEFAULT		20u
#define DGEN_BLOCK_SECTOR_WORDS		(DGEN_UNIT_MAX / DGEN_SECTOR_SIZE / 64)

/* One block that read back wrong, as verify reports it. */
struct dgen_verify_mismatch {
	unsigned int target;		/* target index */
	enum dgen_mismatch_kind kind;
	uint64_t offset;		/* target byte offset of the block */
	uint32_t len;			/* bytes of the block compared */
	uint32_t bad_sectors;		/* 512-byte sectors that differ */
	uint64_t sector_map[DGEN_BLOCK_SECTOR_WORDS]; /* bit k: the sector at
					   offset + 512 k differs */
};

/* dgen_mismatch_kind_name - "zeroed", "stale", "foreign", "lost",
 * "corrupt", "torn"; NULL otherwise. */
const char *dgen_mismatch_kind_name(enum dgen_mismatch_kind kind);

/*
 * Keep the N records of lowest (target, offset) of however many there
 * are: a max-heap on that key, so a report is the same whatever the
 * thread count or order, and each record costs O(log N) with a lock.
 */
struct dgen_mismatch_keep;

/* dgen_mismatch_keep_new - a keeper of @n (0: keeps none). 0 or -ENOMEM. */
int dgen_mismatch_keep_new(struct dgen_mismatch_keep **out, unsigned int n);

/* dgen_mismatch_keep_add - offer @m; safe from several threads at once. */
void dgen_mismatch_keep_add(struct dgen_mismatch_keep *k,
			    const struct dgen_verify_mismatch *m);

/*
 * dgen_mismatch_keep_sorted - the records kept, by (target, offset), in
 * *@out (valid until the next add or the free); returns how many. Call
 * once no thread adds any more.
 */
unsigned int dgen_mismatch_keep_sorted(struct dgen_mismatch_keep *k,
				       const struct dgen_verify_mismatch **out);

/* dgen_mismatch_keep_free - release @k; NULL is allowed. */
void dgen_mismatch_keep_free(struct dgen_mismatch_keep *k);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_MISMATCH_H */
