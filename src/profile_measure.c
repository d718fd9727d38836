// SPDX-License-Identifier: MIT
/*
 * profile_measure.c - measure a sample's profile (dgen/profile.h,
 * doc/profile.md) with real lz4, zstd and xxhash
 *
 * The sample is read as one byte sequence (a tree's regular files in
 * name order, one after the other) and cut into 64 KiB chunks and 4 KiB
 * blocks; a last partial block is left out of the per-block figures and
 * a last partial chunk is compressed as it is. Only counts and sums are
 * kept: a profile never holds bytes of the sample.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lz4.h>
#include <xxhash.h>
#include <zstd.h>

#include <dgen/inspect.h>
#include <dgen/profile.h>
#include <dgen/stream.h>

#include "refuse.h"

#define PROFILE_ZSTD_LEVEL	3

struct measure {
	ZSTD_CCtx *cctx;
	XXH128_hash_t *set;		/* open addressing; {0,0}: empty */
	uint64_t cap, used;
	uint64_t bytes, blocks, zero, distinct;
	uint64_t lz4_out, zstd4_out, zstd64_in, zstd64_out;
	uint64_t b_count[DGEN_PROFILE_BUCKETS];
	uint64_t b_in[DGEN_PROFILE_BUCKETS], b_lz4[DGEN_PROFILE_BUCKETS];
	uint64_t b_zstd[DGEN_PROFILE_BUCKETS];
	unsigned char chunk[DGEN_PROFILE_CHUNK];
	size_t fill;
	char out[LZ4_COMPRESSBOUND(DGEN_PROFILE_CHUNK) + 1024];
};

static int set_grow(struct measure *m)
{
	uint64_t cap = m->cap ? 2 * m->cap : 1u << 16, i;
	XXH128_hash_t *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++) {
		XXH128_hash_t x = m->set[i];
		uint64_t j;

		if (!x.low64 && !x.high64)
			continue;
		for (j = x.low64 & (cap - 1); n[j].low64 || n[j].high64;
		     j = (j + 1) & (cap - 1))
			;
		n[j] = x;
	}
	free(m->set);
	m->set = n;
	m->cap = cap;
	return 0;
}

/* Count @x once; 0 or -ENOMEM. */
static int set_add(struct measure *m, XXH128_hash_t x)
{
	uint64_t j;

	if (!x.low64 && !x.high64)
		x.low64 = 1;
	if (2 * (m->used + 1) > m->cap && set_grow(m))
		return -ENOMEM;
	for (j = x.low64 & (m->cap - 1); m->set[j].low64 || m->set[j].high64;
	     j = (j + 1) & (m->cap - 1))
		if (XXH128_isEqual(m->set[j], x))
			return 0;
	m->set[j] = x;
	m->used++;
	m->distinct++;
	return 0;
}

static int all_zero(const unsigned char *b, size_t n)
{
	return b[0] == 0 && !memcmp(b, b + 1, n - 1);
}

static size_t zstd_size(struct measure *m, const void *src, size_t n)
{
	size_t r = ZSTD_compressCCtx(m->cctx, m->out, sizeof(m->out), src, n,
				     PROFILE_ZSTD_LEVEL);

	return ZSTD_isError(r) ? n : r;
}

static int block_step(struct measure *m, const unsigned char *b)
{
	int l = LZ4_compress_default((const char *)b, m->out,
				     DGEN_PROFILE_BLOCK, (int)sizeof(m->out));
	size_t z = zstd_size(m, b, DGEN_PROFILE_BLOCK);
	unsigned int k;

	if (l <= 0)
		l = DGEN_PROFILE_BLOCK;
	k = dgen_profile_bucket((double)DGEN_PROFILE_BLOCK / l);
	m->blocks++;
	m->lz4_out += (uint64_t)l;
	m->zstd4_out += z;
	m->b_count[k]++;
	if (all_zero(b, DGEN_PROFILE_BLOCK)) {
		m->zero++;	/* a class of its own (bucket_* leave it out) */
	} else {
		m->b_in[k] += DGEN_PROFILE_BLOCK;
		m->b_lz4[k] += (uint64_t)l;
		m->b_zstd[k] += z;
	}
	return set_add(m, XXH3_128bits(b, DGEN_PROFILE_BLOCK));
}

static int chunk_step(struct measure *m)
{
	size_t off;
	int err;

	if (!m->fill)
		return 0;
	m->zstd64_in += m->fill;
	m->zstd64_out += zstd_size(m, m->chunk, m->fill);
	for (off = 0; off + DGEN_PROFILE_BLOCK <= m->fill;
	     off += DGEN_PROFILE_BLOCK)
		if ((err = block_step(m, m->chunk + off)))
			return err;
	m->fill = 0;
	return 0;
}

static int feed_fd(struct measure *m, int fd)
{
	for (;;) {
		ssize_t n = read(fd, m->chunk + m->fill,
				 DGEN_PROFILE_CHUNK - m->fill);
		int err;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		m->fill += (size_t)n;
		m->bytes += (uint64_t)n;
		if (m->fill == DGEN_PROFILE_CHUNK && (err = chunk_step(m)))
			return err;
	}
}

static int feed_path(struct measure *m, const char *path, int depth)
{
	struct dirent **names;
	struct stat st;
	int n, i, err = 0, fd;

	if (lstat(path, &st))
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		if (depth > 64)
			return 0;
		n = scandir(path, &names, NULL, alphasort);
		if (n < 0)
			return -errno;
		for (i = 0; i < n; i++) {
			char sub[4096];

			if (!err && strcmp(names[i]->d_name, ".") &&
			    strcmp(names[i]->d_name, "..") &&
			    (size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
					     names[i]->d_name) < sizeof(sub))
				err = feed_path(m, sub, depth + 1);
			free(names[i]);
		}
		free(names);
		return err;
	}
	if (!S_ISREG(st.st_mode) && !(S_ISBLK(st.st_mode) && depth == 0))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = feed_fd(m, fd);
	close(fd);
	return err;
}

static double ratio(uint64_t in, uint64_t out)
{
	return out ? (double)in / (double)out : 0.0;
}

static void result(const struct measure *m, struct dgen_profile *p)
{
	const uint64_t in = m->blocks * DGEN_PROFILE_BLOCK;
	unsigned int k;

	memset(p, 0, sizeof(*p));
	p->version = DGEN_PROFILE_VERSION;
	p->bytes = m->bytes;
	p->blocks = m->blocks;
	p->lz4_4k = ratio(in, m->lz4_out);
	p->zstd_4k = ratio(in, m->zstd4_out);
	p->zstd_64k = ratio(m->zstd64_in, m->zstd64_out);
	p->dedup_4k = ratio(m->blocks, m->distinct);
	p->zero_share = (double)m->zero / (double)m->blocks;
	for (k = 0; k < DGEN_PROFILE_BUCKETS; k++) {
		p->hist[k] = (double)m->b_count[k] / (double)m->blocks;
		p->bucket_lz4[k] = ratio(m->b_in[k], m->b_lz4[k]);
		p->bucket_zstd[k] = ratio(m->b_in[k], m->b_zstd[k]);
	}
}

/*
 * Calibration. The generator's bytes compress by a model; zstd's entropy
 * coder and match costs stray from it by up to a third at few bits per
 * byte. So the profile carries the bits and match share that hit the
 * sample's figures on the generator's own bytes, found here by measuring
 * a small stream of each bucket's class (then of the whole mix) with the
 * same zstd, a few fixed-point steps. Only figures go in, never bytes.
 */
#define CAL_BYTES	(2u << 20)
#define CAL_STEPS	6
/* Below 2 bits a byte, lz4 finds matches by chance and blocks scatter. */
#define CAL_BITS_MIN	2.0

/*
 * zstd per 4 KiB and per 64 KiB of the stream @sp (CAL_BYTES long); lz4
 * per 4 KiB to *@l4.
 */
static int cal_measure(ZSTD_CCtx *cctx, unsigned char *buf, char *out,
		       size_t outlen, struct dgen_stream_params *sp,
		       double *z4, double *z64, double *l4)
{
	struct dgen_stream *st;
	uint64_t o4 = 0, o64 = 0, ol = 0;
	size_t off;
	int err;

	sp->size = CAL_BYTES;
	if ((err = dgen_stream_new(&st, sp, NULL, 0)))
		return err;
	dgen_stream_fill(st, buf, 0, CAL_BYTES);
	dgen_stream_free(st);
	for (off = 0; off < CAL_BYTES; off += DGEN_PROFILE_BLOCK) {
		o4 += ZSTD_compressCCtx(cctx, out, outlen, buf + off,
					DGEN_PROFILE_BLOCK, PROFILE_ZSTD_LEVEL);
		ol += (uint64_t)LZ4_compress_default((const char *)buf + off,
			out, DGEN_PROFILE_BLOCK, (int)outlen);
	}
	*l4 = (double)CAL_BYTES / (double)ol;
	for (off = 0; off < CAL_BYTES; off += DGEN_PROFILE_CHUNK)
		o64 += ZSTD_compressCCtx(cctx, out, outlen, buf + off,
					 DGEN_PROFILE_CHUNK, PROFILE_ZSTD_LEVEL);
	*z4 = (double)CAL_BYTES / (double)o4;
	*z64 = (double)CAL_BYTES / (double)o64;
	return 0;
}

/*
 * The whole mix: zstd per 4 KiB of each class is met alone, but some
 * classes may sit at one bit a byte and still fall short, so all classes'
 * bits move together until the mix meets the sample's; and the match
 * share until zstd per 64 KiB grows as the sample's does.
 */
static int calibrate_mix(struct measure *m, struct dgen_profile *p,
			 unsigned char *buf)
{
	const double want = 1.0 - p->zstd_4k / p->zstd_64k;
	struct dgen_stream_params sp;
	double z4, z64, l4, eff, g;
	unsigned int b, i;
	int err = 0;

	p->match_share = 0.0;
	for (i = 0; i < CAL_STEPS && !err; i++) {
		dgen_stream_params_init(&sp);
		if ((err = dgen_profile_params(p, &sp, NULL, 0)))
			break;
		sp.dedup_ratio = 1.0;
		if (want <= 0.0)
			sp.match_share = 0.0;
		err = cal_measure(m->cctx, buf, m->out, sizeof(m->out), &sp,
				  &z4, &z64, &l4);
		g = z4 / p->zstd_4k;
		for (b = 0; b < DGEN_PROFILE_BUCKETS; b++)
			if (p->bucket_bits[b] > 0.0)
				p->bucket_bits[b] = fmin(fmax(p->bucket_bits[b] * g,
							      CAL_BITS_MIN), 8.0);
		/*
		 * About 15/16 of the copied bytes leave the 64 KiB output;
		 * the mixed byte widths of a chunk cost zstd's one literal
		 * table some: step by the gap.
		 */
		eff = 1.0 - z4 / z64;
		p->match_share = want <= 0.0 ? 0.0 :
			fmin(fmax(sp.match_share + (want - eff) * 16.0 / 15.0,
				  1e-6), DGEN_MATCH_SHARE_MAX);
	}
	return err;
}

static int calibrate(struct measure *m, struct dgen_profile *p)
{
	unsigned char *buf = malloc(CAL_BYTES);
	struct dgen_stream_params sp;
	double z4, z64, l4;
	unsigned int b, i;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (b = 0; b < DGEN_PROFILE_BUCKETS && !err; b++) {
		if (p->bucket_zstd[b] <= p->bucket_lz4[b] * 1.01)
			continue;
		dgen_stream_params_init(&sp);
		sp.mix.count = 1;
		sp.mix.weight[0] = 1.0;
		dgen_profile_class(p, b, &sp.mix.ratio[0], &sp.mix.bits[0]);
		for (i = 0; i < CAL_STEPS && !err; i++) {
			err = cal_measure(m->cctx, buf, m->out, sizeof(m->out),
					  &sp, &z4, &z64, &l4);
			/*
			 * Output grows about as the bits: scale them; narrow
			 * bytes let lz4 find some matches: fewer zeros.
			 */
			sp.mix.bits[0] = fmin(fmax(sp.mix.bits[0] * z4 /
						   p->bucket_zstd[b], CAL_BITS_MIN),
					      8.0);
			sp.mix.ratio[0] = fmin(fmax(sp.mix.ratio[0] *
				p->bucket_lz4[b] / l4, 1.0),
				DGEN_COMPRESS_RATIO_MAX);
		}
		p->bucket_bits[b] = sp.mix.bits[0];
		p->bucket_ratio[b] = sp.mix.ratio[0];
	}
	if (!err)
		err = calibrate_mix(m, p, buf);
	free(buf);
	return err;
}

int dgen_profile_measure(struct dgen_profile *p, const char *path,
			 char *msg, size_t msglen)
{
	struct measure *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	m->cctx = ZSTD_createCCtx();
	err = m->cctx ? feed_path(m, path, 0) : -ENOMEM;
	if (!err)
		err = chunk_step(m);
	if (!err && !m->blocks)
		err = -ENODATA;
	if (!err)
		result(m, p);
	if (!err)
		err = calibrate(m, p);
	ZSTD_freeCCtx(m->cctx);
	free(m->set);
	free(m);
	if (err == -ENODATA)
		return dgen_refuse(err, msg, msglen,
			"sample %s holds less than one 4 KiB block", path);
	if (err)
		return dgen_refuse(err, msg, msglen, "profiling %s: %s", path,
				   strerror(-err));
	return 0;
}
