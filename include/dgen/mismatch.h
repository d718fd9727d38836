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

/* What a block that reads back wrong holds instead (SPEC section 5). */
enum dgen_mismatch_kind {
	DGEN_MISMATCH_ZEROED,		/* all zero bytes */
	DGEN_MISMATCH_STALE,		/* the previous pass's bytes there */
	DGEN_MISMATCH_FOREIGN,		/* anything else */
	DGEN_MISMATCH_KINDS
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

/* dgen_mismatch_kind_name - "zeroed", "stale", "foreign"; NULL otherwise. */
const char *dgen_mismatch_kind_name(enum dgen_mismatch_kind kind);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_MISMATCH_H */
