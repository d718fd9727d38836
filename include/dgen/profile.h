/* SPDX-License-Identifier: MIT */
/*
 * dgen/profile.h - a sample's profile (doc/profile.md) and the stream
 * that mimics it (doc/data-contract.md section 7.4)
 *
 * A profile holds statistics of a sample and never its bytes, so it can
 * be shared: the per-4 KiB lz4 ratio histogram, lz4 and zstd per 4 KiB,
 * zstd per 64 KiB, dedup per 4 KiB, the share of all-zero 4 KiB blocks.
 * It is measured by dgen-inspect --profile (the inspector library,
 * dgen/inspect.h) and read here, where dgen-uring --like turns it into
 * a format 3 stream's parameters.
 */
#ifndef DGEN_PROFILE_H
#define DGEN_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <dgen/stream.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DGEN_PROFILE_VERSION	1
/* Buckets of the per-4 KiB lz4 ratio: edges 1.1 1.5 2 3 4 6 8 16. */
#define DGEN_PROFILE_BUCKETS	9
#define DGEN_PROFILE_BLOCK	4096u
#define DGEN_PROFILE_CHUNK	65536u

struct dgen_profile {
	unsigned int version;		/* DGEN_PROFILE_VERSION */
	uint64_t bytes;			/* sample size */
	uint64_t blocks;		/* whole 4 KiB blocks measured */
	double lz4_4k;			/* sum in / sum out, 4 KiB alone */
	double zstd_4k;			/* zstd level 3, 4 KiB alone */
	double zstd_64k;		/* zstd level 3, 64 KiB alone */
	double dedup_4k;		/* blocks / distinct blocks */
	double zero_share;		/* all-zero blocks / blocks */
	double hist[DGEN_PROFILE_BUCKETS];	/* share of blocks per bucket
						   (zero blocks included) */
	double bucket_lz4[DGEN_PROFILE_BUCKETS];  /* lz4 per 4 KiB in the
						     bucket (0: empty) */
	double bucket_zstd[DGEN_PROFILE_BUCKETS]; /* zstd per 4 KiB in it */
	/*
	 * The generator's calibration for these statistics (a function of
	 * the figures above, never of the sample's bytes): the bits per
	 * random byte of each bucket's class so zstd per 4 KiB lands on
	 * bucket_zstd, and the match share so zstd per 64 KiB lands on
	 * zstd_64k. 0: derived from the figures alone.
	 */
	double bucket_bits[DGEN_PROFILE_BUCKETS];
	double bucket_ratio[DGEN_PROFILE_BUCKETS];	/* the class's ratio
							   (0: bucket_lz4) */
	double match_share;
};

/* The bucket of a per-4 KiB ratio @r: 0 below 1.1 .. 8 from 16 up. */
unsigned int dgen_profile_bucket(double r);

/* dgen_profile_write - @p as JSON (doc/profile.md) to @f; 0 or -errno. */
int dgen_profile_write(const struct dgen_profile *p, FILE *f);

/*
 * dgen_profile_load - read the profile in file @path.
 * Returns 0, or -errno / -EINVAL with a sentence in @msg.
 */
int dgen_profile_load(struct dgen_profile *p, const char *path, char *msg,
		      size_t msglen);

/*
 * dgen_profile_digest - a digest of @p's statistics (their canonical
 * JSON), 32 hex digits to @buf (at least 33 bytes); returns @buf. Reports
 * print it, so a stream made --like a profile names the profile.
 */
char *dgen_profile_digest(const struct dgen_profile *p, char *buf, size_t len);

/*
 * dgen_profile_params - set @sp's compress mix, dedup ratio and match
 * share so that its stream mimics @p (contract 7.4). Other fields are
 * left as they are. Returns 0 or -EINVAL with a sentence in @msg.
 */
int dgen_profile_params(const struct dgen_profile *p,
			struct dgen_stream_params *sp, char *msg,
			size_t msglen);

/*
 * dgen_profile_class - the compress-mix class (ratio, bits per random
 * byte) that mimics bucket @b of @p, from bucket_bits when set.
 */
void dgen_profile_class(const struct dgen_profile *p, unsigned int b,
			double *ratio, double *bits);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_PROFILE_H */
