// SPDX-License-Identifier: MIT
/*
 * profile.c - a sample's profile read and written (doc/profile.md), and
 * the format 3 stream that mimics it (doc/data-contract.md section 7.4)
 *
 * The mimic: a compress mix with one class per histogram bucket, at the
 * bucket's own lz4 and zstd ratio (their geometric mean, so both land
 * near the sample's), plus a class of all-zero blocks at the zero share
 * (the only all-zero sectors of the stream); the dedup ratio that gives
 * the sample's blocks / distinct once all zero blocks count as one
 * distinct block; and the match share that makes zstd per 64 KiB grow
 * over zstd per 4 KiB as in the sample (stream.c copies that share of a
 * block's random bytes from an earlier block of its 64 KiB).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/profile.h>

#include "json_read.h"
#include "refuse.h"

/* Narrower random bytes would let lz4 find matches in a block. */
#define LIKE_BITS_MIN	3.0

static const double edges[DGEN_PROFILE_BUCKETS - 1] = {
	1.1, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 16.0,
};

unsigned int dgen_profile_bucket(double r)
{
	unsigned int b = 0;

	while (b < DGEN_PROFILE_BUCKETS - 1 && r >= edges[b])
		b++;
	return b;
}

static void write_list(FILE *f, const char *key, const double *v)
{
	unsigned int b;

	fprintf(f, "  \"%s\": [", key);
	for (b = 0; b < DGEN_PROFILE_BUCKETS; b++)
		fprintf(f, "%s%.9g", b ? ", " : "", v[b]);
	fprintf(f, "],\n");
}

int dgen_profile_write(const struct dgen_profile *p, FILE *f)
{
	unsigned int b;

	fprintf(f, "{\n  \"profile_version\": %u,\n", DGEN_PROFILE_VERSION);
	fprintf(f, "  \"sample_bytes\": %llu,\n  \"blocks_4k\": %llu,\n",
		(unsigned long long)p->bytes, (unsigned long long)p->blocks);
	fprintf(f, "  \"lz4_4k\": %.9g,\n  \"zstd_4k\": %.9g,\n"
		"  \"zstd_64k\": %.9g,\n  \"dedup_4k\": %.9g,\n"
		"  \"zero_share\": %.9g,\n", p->lz4_4k, p->zstd_4k,
		p->zstd_64k, p->dedup_4k, p->zero_share);
	fprintf(f, "  \"lz4_4k_edges\": [");
	for (b = 0; b + 1 < DGEN_PROFILE_BUCKETS; b++)
		fprintf(f, "%s%g", b ? ", " : "", edges[b]);
	fprintf(f, "],\n");
	write_list(f, "lz4_4k_hist", p->hist);
	write_list(f, "bucket_lz4_4k", p->bucket_lz4);
	write_list(f, "bucket_zstd_4k", p->bucket_zstd);
	write_list(f, "bucket_bits", p->bucket_bits);
	write_list(f, "bucket_ratio", p->bucket_ratio);
	fprintf(f, "  \"match_share\": %.9g\n}\n", p->match_share);
	return ferror(f) ? -EIO : 0;
}

static int read_list(const struct json_doc *d, const char *key, double *v)
{
	int64_t t = dgen_jread_get(d, 0, key);
	uint32_t i, b;

	if (t < 0 || d->t[t].type != JSON_ARRAY ||
	    d->t[t].size != DGEN_PROFILE_BUCKETS)
		return -EINVAL;
	for (i = (uint32_t)t + 1, b = 0; b < DGEN_PROFILE_BUCKETS;
	     b++, i = d->t[i].next)
		if (dgen_jread_double(d, i, &v[b]) || !isfinite(v[b]) ||
		    v[b] < 0.0)
			return -EINVAL;
	return 0;
}

static int read_num(const struct json_doc *d, const char *key, double *v)
{
	int64_t t = dgen_jread_get(d, 0, key);

	return t < 0 || dgen_jread_double(d, (uint32_t)t, v) || !isfinite(*v) ?
	       -EINVAL : 0;
}

static int profile_parse(struct dgen_profile *p, const struct json_doc *d)
{
	double ver, bytes, blocks;

	if (d->n == 0 || d->t[0].type != JSON_OBJECT ||
	    read_num(d, "profile_version", &ver) || ver != DGEN_PROFILE_VERSION ||
	    read_num(d, "sample_bytes", &bytes) ||
	    read_num(d, "blocks_4k", &blocks) ||
	    read_num(d, "lz4_4k", &p->lz4_4k) ||
	    read_num(d, "zstd_4k", &p->zstd_4k) ||
	    read_num(d, "zstd_64k", &p->zstd_64k) ||
	    read_num(d, "dedup_4k", &p->dedup_4k) ||
	    read_num(d, "zero_share", &p->zero_share) ||
	    read_list(d, "lz4_4k_hist", p->hist) ||
	    read_list(d, "bucket_lz4_4k", p->bucket_lz4) ||
	    read_list(d, "bucket_zstd_4k", p->bucket_zstd))
		return -EINVAL;
	/* The calibration is optional: a profile of other tools may lack it. */
	if (dgen_jread_get(d, 0, "bucket_bits") >= 0 &&
	    read_list(d, "bucket_bits", p->bucket_bits))
		return -EINVAL;
	if (dgen_jread_get(d, 0, "bucket_ratio") >= 0 &&
	    read_list(d, "bucket_ratio", p->bucket_ratio))
		return -EINVAL;
	if (dgen_jread_get(d, 0, "match_share") >= 0 &&
	    (read_num(d, "match_share", &p->match_share) ||
	     p->match_share < 0.0 || p->match_share > DGEN_MATCH_SHARE_MAX))
		return -EINVAL;
	/* Counts a shared file may hold past what a uint64_t can: refused
	 * before the cast, which would be undefined there. */
	if (!(bytes >= 0.0 && bytes < 0x1p63) || !(blocks >= 0.0 && blocks < 0x1p63))
		return -EINVAL;
	p->version = (unsigned int)ver;
	p->bytes = (uint64_t)bytes;
	p->blocks = (uint64_t)blocks;
	/* Incompressible data measures a little under 1 (the framing). */
	if (!(p->lz4_4k > 0.0) || !(p->zstd_4k > 0.0) || !(p->zstd_64k > 0.0) ||
	    p->dedup_4k < 1.0 || p->zero_share < 0.0 || p->zero_share > 1.0 ||
	    p->blocks == 0)
		return -EINVAL;
	return 0;
}

int dgen_profile_load(struct dgen_profile *p, const char *path, char *msg,
		      size_t msglen)
{
	FILE *f = fopen(path, "r");
	struct json_doc d = { 0 };
	char text[8192];
	size_t n;
	int err;

	if (!f)
		return dgen_refuse(-errno, msg, msglen, "profile %s: %s", path,
				   strerror(errno));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	memset(p, 0, sizeof(*p));
	err = dgen_jread_parse(&d, text, n, NULL, 0);
	if (!err)
		err = profile_parse(p, &d);
	dgen_jread_free(&d);
	if (err)
		return dgen_refuse(-EINVAL, msg, msglen,
			"profile %s is not a version %u profile of dgen-inspect --profile (doc/profile.md)",
			path, DGEN_PROFILE_VERSION);
	return 0;
}

static uint64_t fnv1a(const char *s, size_t n, uint64_t h)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

char *dgen_profile_digest(const struct dgen_profile *p, char *buf, size_t len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);

	if (len)
		buf[0] = '\0';
	if (!f)
		return buf;
	dgen_profile_write(p, f);
	fclose(f);
	snprintf(buf, len, "%016llx%016llx",
		 (unsigned long long)fnv1a(text, n, 0xcbf29ce484222325ull),
		 (unsigned long long)fnv1a(text, n, 0x84222325cbf29ce4ull));
	free(text);
	return buf;
}

void dgen_profile_class(const struct dgen_profile *p, unsigned int b,
			double *ratio, double *bits)
{
	*ratio = fmin(fmax(p->bucket_ratio[b] > 0.0 ? p->bucket_ratio[b] :
			   p->bucket_lz4[b], 1.0), DGEN_COMPRESS_RATIO_MAX);
	*bits = 0.0;
	if (p->bucket_bits[b] > 0.0)
		*bits = p->bucket_bits[b];
	/* zstd's entropy coder finds what lz4 cannot: narrower bytes. */
	else if (p->bucket_zstd[b] > p->bucket_lz4[b])
		*bits = fmax(8.0 * p->bucket_lz4[b] / p->bucket_zstd[b],
			     LIKE_BITS_MIN);
}

int dgen_profile_params(const struct dgen_profile *p,
			struct dgen_stream_params *sp, char *msg,
			size_t msglen)
{
	struct dgen_compress_mix m = { 0 };
	double sum = 0.0, d, z = p->zero_share, inv;
	unsigned int b;

	for (b = 0; b < DGEN_PROFILE_BUCKETS; b++) {
		double w = p->hist[b];

		if (b == DGEN_PROFILE_BUCKETS - 1)
			w -= z;		/* zero blocks are a class of their own */
		if (w < 1e-4 || p->bucket_lz4[b] <= 0.0)
			continue;
		dgen_profile_class(p, b, &m.ratio[m.count], &m.bits[m.count]);
		m.weight[m.count++] = w;
		sum += w;
	}
	if (z >= 1e-4) {
		m.ratio[m.count] = 0.0;
		m.weight[m.count++] = z;
		sum += z;
	}
	if (!m.count || sum <= 0.0)
		return dgen_refuse(-EINVAL, msg, msglen,
			"the profile's histogram is empty: nothing to mimic");
	for (b = 0; b < m.count; b++)
		m.weight[b] /= sum;
	/* All zero blocks are one distinct block of the sample. */
	inv = 1.0 / p->dedup_4k - (z > 0.0 ? 1.0 / (double)p->blocks : 0.0);
	d = inv > 0.0 ? (1.0 - z) / inv : 1.0;
	sp->mix = m;
	sp->dedup_ratio = d < 1.0 ? 1.0 : d;
	/* zstd per 64 KiB over per 4 KiB: the copied share of 15 blocks of 16. */
	sp->match_share = p->match_share > 0.0 ? p->match_share :
		fmin(fmax((1.0 - p->zstd_4k / p->zstd_64k) * 16.0 / 15.0, 0.0),
		     DGEN_MATCH_SHARE_MAX);
	return 0;
}
