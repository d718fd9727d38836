// SPDX-License-Identifier: MIT
/*
 * inspect.c - dedup, compression and sector counts of any data
 *
 * Dedup: every aligned 512-byte sector is hashed with XXH3_128bits; the
 * hash of an aligned 2g-byte chunk is XXH3_128bits over the two 128-bit
 * hashes of its g-byte halves (a Merkle tree, Merkle 1987), so the data is
 * read once for all twelve units instead of twelve times. Two chunks then
 * get the same hash exactly when their bytes are equal, bar a 128-bit
 * collision (for 2^40 chunks, a chance of about 2^-49). Each unit keeps a
 * set of the hashes seen; distinct = the set's size. All-zero chunks, the
 * one content most storage holds in bulk (unwritten space), are counted
 * apart, exactly even when sampling: in a sample they would swing the
 * estimate by whether their single hash happened to be drawn.
 *
 * Compression: each aligned 4 KiB and 64 KiB piece goes to lz4 and zstd on
 * its own, as a storage system compresses its blocks; ratio = bytes in /
 * bytes stored, where a piece that does not shrink is stored raw. The
 * compressors take most of the time, and a piece that repeats compresses
 * to the same sizes every time, so a cache keyed by the piece's hash keeps
 * them: data that dedups d:1 costs about 1/d as much. The cache can be
 * shared by the inspectors of several threads (a piece is then compressed
 * once in all, not once per thread), so it is locked, in shards.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <xxhash.h>
#include <zstd.h>

#include <dgen/inspect.h>

#define SECTORS_PER_STEP	(DGEN_INSPECT_ALIGN / DGEN_INSPECT_SECTOR)
#define PIECE_MAX		(64u * 1024u)
#define OUT_CAP \
	(ZSTD_COMPRESSBOUND(PIECE_MAX) > LZ4_COMPRESSBOUND(PIECE_MAX) ? \
	 ZSTD_COMPRESSBOUND(PIECE_MAX) : LZ4_COMPRESSBOUND(PIECE_MAX))
/* First capacities: 16 KiB per dedup set; the 128 cache sets start small
 * so that an inspector with a cache of its own stays under 1 MiB. */
#define HSET_MIN_CAP		1024u
#define CACHE_MIN_CAP		64u
/* Lock shards of the size cache: with 64, threads rarely meet on one. */
#define CACHE_SHARDS		64u

static const uint32_t piece_size[DGEN_INSPECT_PIECES] = { 4096, 65536 };
static const char *const codec_name[DGEN_INSPECT_CODECS] = { "lz4", "zstd" };

/*
 * An open-addressing set of 128-bit hashes with linear probing (Knuth,
 * TAOCP vol. 3, 6.4). The hashes are uniform already, so the low bits pick
 * the slot. All-zero marks an empty slot; a hash that happens to be zero is
 * stored as 1, which merges it with hash 1 at odds of 2^-128. The sets of
 * the size cache keep a value per slot: a piece's lz4 and zstd sizes.
 */
struct hset {
	XXH128_hash_t *slot;
	uint32_t (*val)[DGEN_INSPECT_CODECS];	/* NULL, or sizes per slot */
	uint64_t mask;			/* capacity - 1, a power of two */
	uint64_t count;			/* distinct hashes held */
	uint64_t chunks;		/* insertions, repeats included */
};

/* Level u of the Merkle tree of a 1 MiB step (2048 >> u hashes) starts at
 * tree[TREE_BASE(u)]. */
#define TREE_BASE(u)	(2 * SECTORS_PER_STEP - (2 * SECTORS_PER_STEP >> (u)))

/* The dedup unit of each compression piece: its hash is in the tree. */
static const int piece_unit[DGEN_INSPECT_PIECES] = { 3, 7 };	/* 4K, 64K */

struct cache_shard {
	pthread_mutex_t lock;
	struct hset set[DGEN_INSPECT_PIECES];
} __attribute__((aligned(64)));		/* a cache line each */

struct dgen_inspect_cache {
	int zstd_level;			/* the sizes are for this level */
	struct cache_shard shard[CACHE_SHARDS];
};

struct dgen_inspect {
	struct dgen_inspect_opts o;
	struct dgen_inspect_cache *cache;	/* o.cache, or own_cache */
	struct dgen_inspect_cache *own_cache;
	uint64_t bytes, sectors, zero_sectors, same_sectors;
	uint64_t in[DGEN_INSPECT_CODECS][DGEN_INSPECT_PIECES];
	uint64_t out[DGEN_INSPECT_CODECS][DGEN_INSPECT_PIECES];
	struct hset set[DGEN_INSPECT_UNITS];	/* non-zero contents */
	uint64_t chunks[DGEN_INSPECT_UNITS];	/* all whole chunks */
	uint64_t zero_chunks[DGEN_INSPECT_UNITS];
	XXH128_hash_t zero_hash[DGEN_INSPECT_UNITS];	/* of an all-zero chunk */
	ZSTD_CCtx *zstd;
	XXH128_hash_t tree[2 * SECTORS_PER_STEP];	/* all levels, 1 MiB */
	unsigned char cbuf[OUT_CAP];		/* compressor output, dropped */
};

/* ===== Hash sets ===== */

/* An empty set of @cap slots (a power of two), with sizes per slot or not. */
static int hset_init(struct hset *h, uint64_t cap, int with_sizes)
{
	memset(h, 0, sizeof(*h));
	h->slot = calloc(cap, sizeof(*h->slot));
	if (with_sizes)
		h->val = calloc(cap, sizeof(*h->val));
	if (!h->slot || (with_sizes && !h->val))
		return -ENOMEM;
	h->mask = cap - 1;
	return 0;
}

static void hset_free(struct hset *h)
{
	free(h->slot);
	free(h->val);
}

static int hset_empty(const XXH128_hash_t *s)
{
	return !(s->low64 | s->high64);
}

/* The slot that holds @x, or the empty slot where it belongs. */
static uint64_t hset_slot(const struct hset *h, XXH128_hash_t *x)
{
	uint64_t i;

	if (hset_empty(x))
		x->low64 = 1;
	for (i = x->low64 & h->mask; ; i = (i + 1) & h->mask) {
		const XXH128_hash_t *s = &h->slot[i];

		if ((s->low64 == x->low64 && s->high64 == x->high64) ||
		    hset_empty(s))
			return i;
	}
}

/* Insert @x (with its sizes @val when the set keeps them) without growing;
 * the caller made room with hset_reserve. */
static void hset_put(struct hset *h, XXH128_hash_t x, const uint32_t *val)
{
	uint64_t i = hset_slot(h, &x);

	if (!hset_empty(&h->slot[i]))
		return;
	h->slot[i] = x;
	if (h->val && val)
		memcpy(h->val[i], val, sizeof(h->val[i]));
	h->count++;
}

/* The sizes kept for @x, or NULL when @x is not in the set. */
static const uint32_t *hset_sizes(const struct hset *h, XXH128_hash_t x)
{
	uint64_t i = hset_slot(h, &x);

	return hset_empty(&h->slot[i]) ? NULL : h->val[i];
}

/*
 * Make room for @add more hashes. The load stays at most 70%, where a
 * linear-probing miss costs about 6 probes on average (Knuth's
 * (1 + 1/(1-a)^2)/2); between growths it is 35-70%, so a set takes 23 to 46
 * bytes per distinct hash.
 */
static int hset_reserve(struct hset *h, uint64_t add)
{
	uint64_t cap = h->mask + 1, i;
	struct hset n = { 0 };

	if ((h->count + add) * 10 <= cap * 7)
		return 0;
	while ((h->count + add) * 10 > cap * 7)
		cap *= 2;
	n.slot = calloc(cap, sizeof(*n.slot));
	if (h->val)
		n.val = calloc(cap, sizeof(*n.val));
	if (!n.slot || (h->val && !n.val)) {
		hset_free(&n);
		return -ENOMEM;
	}
	n.mask = cap - 1;
	n.chunks = h->chunks;
	for (i = 0; i <= h->mask; i++)
		if (!hset_empty(&h->slot[i]))
			hset_put(&n, h->slot[i], h->val ? h->val[i] : NULL);
	hset_free(h);
	*h = n;
	return 0;
}

/*
 * Whether content @x is in the sample: the low bits of the high half, which
 * neither the slot (low half) nor the cache shard (top bits) depend on.
 */
static int sampled(const struct dgen_inspect *in, XXH128_hash_t x)
{
	return !(x.high64 & (in->o.dedup_sample - 1));
}

/* ===== Size cache ===== */

int dgen_inspect_cache_new(struct dgen_inspect_cache **out, int zstd_level)
{
	struct dgen_inspect_cache *c;
	unsigned int i, p;

	if (zstd_level < ZSTD_minCLevel() || zstd_level > ZSTD_maxCLevel())
		return -EINVAL;
	if (posix_memalign((void **)&c, 64, sizeof(*c)))
		return -ENOMEM;
	memset(c, 0, sizeof(*c));
	c->zstd_level = zstd_level;
	for (i = 0; i < CACHE_SHARDS; i++) {
		pthread_mutex_init(&c->shard[i].lock, NULL);
		for (p = 0; p < DGEN_INSPECT_PIECES; p++)
			if (hset_init(&c->shard[i].set[p], CACHE_MIN_CAP, 1)) {
				dgen_inspect_cache_free(c);
				return -ENOMEM;
			}
	}
	*out = c;
	return 0;
}

void dgen_inspect_cache_free(struct dgen_inspect_cache *c)
{
	unsigned int i, p;

	if (!c)
		return;
	for (i = 0; i < CACHE_SHARDS; i++) {
		for (p = 0; p < DGEN_INSPECT_PIECES; p++)
			hset_free(&c->shard[i].set[p]);
		pthread_mutex_destroy(&c->shard[i].lock);
	}
	free(c);
}

/* The high bits pick the shard, the low ones the slot: independent. */
static struct cache_shard *cache_shard(struct dgen_inspect_cache *c,
				       XXH128_hash_t x)
{
	return &c->shard[x.high64 >> 58 & (CACHE_SHARDS - 1)];
}

/* Copy the sizes kept for piece @x to @got; 0 when there are none. */
static int cache_get(struct dgen_inspect_cache *c, int p, XXH128_hash_t x,
		     uint32_t got[DGEN_INSPECT_CODECS])
{
	struct cache_shard *sh = cache_shard(c, x);
	const uint32_t *v;

	pthread_mutex_lock(&sh->lock);
	v = hset_sizes(&sh->set[p], x);
	if (v)
		memcpy(got, v, sizeof(uint32_t) * DGEN_INSPECT_CODECS);
	pthread_mutex_unlock(&sh->lock);
	return v != NULL;
}

/* Keep @got for piece @x. The cache only saves time: when it cannot grow,
 * the piece is simply compressed again next time. */
static void cache_put(struct dgen_inspect_cache *c, int p, XXH128_hash_t x,
		      const uint32_t got[DGEN_INSPECT_CODECS])
{
	struct cache_shard *sh = cache_shard(c, x);

	pthread_mutex_lock(&sh->lock);
	if (!hset_reserve(&sh->set[p], 1))
		hset_put(&sh->set[p], x, got);
	pthread_mutex_unlock(&sh->lock);
}

static uint64_t hset_memory(const struct hset *h)
{
	return (h->mask + 1) * (sizeof(*h->slot) + (h->val ? sizeof(*h->val) : 0));
}

/* ===== Inspectors ===== */

void dgen_inspect_opts_init(struct dgen_inspect_opts *o)
{
	*o = (struct dgen_inspect_opts) {
		.zstd_level = DGEN_INSPECT_ZSTD_LEVEL_DEFAULT,
		.dedup_sample = 1,
	};
}

/* The tree's hashes of all-zero chunks, one per unit. */
static void zero_hashes(XXH128_hash_t z[DGEN_INSPECT_UNITS])
{
	static const unsigned char zero[DGEN_INSPECT_SECTOR];
	XXH128_hash_t pair[2];
	int u;

	z[0] = XXH3_128bits(zero, sizeof(zero));
	for (u = 1; u < DGEN_INSPECT_UNITS; u++) {
		pair[0] = pair[1] = z[u - 1];
		z[u] = XXH3_128bits(pair, sizeof(pair));
	}
}

int dgen_inspect_new(struct dgen_inspect **out,
		     const struct dgen_inspect_opts *o)
{
	struct dgen_inspect *in;
	int i, r = -ENOMEM;

	in = calloc(1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	if (o)
		in->o = *o;
	else
		dgen_inspect_opts_init(&in->o);
	if (!in->o.dedup_sample)
		in->o.dedup_sample = 1;
	if ((in->o.dedup_sample & (in->o.dedup_sample - 1)) ||
	    in->o.zstd_level < ZSTD_minCLevel() ||
	    in->o.zstd_level > ZSTD_maxCLevel() ||
	    (in->o.cache && in->o.cache->zstd_level != in->o.zstd_level)) {
		r = -EINVAL;
		goto err;
	}
	in->cache = in->o.cache;
	if (!in->cache) {
		r = dgen_inspect_cache_new(&in->own_cache, in->o.zstd_level);
		if (r)
			goto err;
		in->cache = in->own_cache;
	}
	r = -ENOMEM;
	for (i = 0; i < DGEN_INSPECT_UNITS; i++)
		if (hset_init(&in->set[i], HSET_MIN_CAP, 0))
			goto err;
	zero_hashes(in->zero_hash);
	in->zstd = ZSTD_createCCtx();
	if (!in->zstd)
		goto err;
	*out = in;
	return 0;
err:
	dgen_inspect_free(in);
	return r;
}

void dgen_inspect_free(struct dgen_inspect *in)
{
	int i;

	if (!in)
		return;
	for (i = 0; i < DGEN_INSPECT_UNITS; i++)
		hset_free(&in->set[i]);
	ZSTD_freeCCtx(in->zstd);
	dgen_inspect_cache_free(in->own_cache);
	free(in);
}

/* One value repeated over the whole sector; the first test rejects almost
 * all real data at once. */
static int sector_same(const unsigned char *s)
{
	return s[0] == s[DGEN_INSPECT_SECTOR - 1] &&
	       !memcmp(s, s + 1, DGEN_INSPECT_SECTOR - 1);
}

/*
 * Compress each piece of [buf, buf + len) with both codecs, adding to
 * @in_sum and @out_sum (so a failure leaves the inspector untouched). A
 * whole piece whose hash the cache knows takes the sizes kept there.
 */
static int compress_step(struct dgen_inspect *in, const unsigned char *buf,
			 size_t len,
			 uint64_t in_sum[DGEN_INSPECT_CODECS][DGEN_INSPECT_PIECES],
			 uint64_t out_sum[DGEN_INSPECT_CODECS][DGEN_INSPECT_PIECES])
{
	int p, c;

	for (p = 0; p < DGEN_INSPECT_PIECES; p++) {
		const XXH128_hash_t *h = in->tree + TREE_BASE(piece_unit[p]);
		size_t off, n, i;

		for (off = 0, i = 0; off < len; off += n, i++) {
			uint32_t got[DGEN_INSPECT_CODECS];
			int whole;

			n = len - off < piece_size[p] ? len - off : piece_size[p];
			whole = n == piece_size[p];
			if (!whole || !cache_get(in->cache, p, h[i], got)) {
				int l = LZ4_compress_default(
					(const char *)buf + off,
					(char *)in->cbuf, (int)n,
					(int)sizeof(in->cbuf));
				size_t z = ZSTD_compressCCtx(in->zstd, in->cbuf,
					sizeof(in->cbuf), buf + off, n,
					in->o.zstd_level);

				if (ZSTD_isError(z))
					return -ENOMEM;
				/* Stored raw when it does not shrink. */
				got[DGEN_INSPECT_LZ4] =
					(uint32_t)(l > 0 && (size_t)l < n ? (size_t)l : n);
				got[DGEN_INSPECT_ZSTD] = (uint32_t)(z < n ? z : n);
				if (whole && sampled(in, h[i]))
					cache_put(in->cache, p, h[i], got);
			}
			for (c = 0; c < DGEN_INSPECT_CODECS; c++) {
				in_sum[c][p] += n;
				out_sum[c][p] += got[c];
			}
		}
	}
	return 0;
}

/* Hash the sectors of one step (at most 1 MiB, aligned) and climb the
 * tree: level u holds the hashes of its whole (512 << u)-byte chunks. */
static void hash_step(struct dgen_inspect *in, const unsigned char *buf,
		      size_t len)
{
	XXH128_hash_t *h = in->tree;
	size_t n = len / DGEN_INSPECT_SECTOR, i;
	int u;

	for (i = 0; i < n; i++)
		h[i] = XXH3_128bits(buf + i * DGEN_INSPECT_SECTOR,
				    DGEN_INSPECT_SECTOR);
	for (u = 1; u < DGEN_INSPECT_UNITS; u++) {
		const XXH128_hash_t *lo = in->tree + TREE_BASE(u - 1);

		h = in->tree + TREE_BASE(u);
		n /= 2;
		for (i = 0; i < n; i++)
			h[i] = XXH3_128bits(&lo[2 * i], 2 * sizeof(*lo));
	}
}

/* Insert the step's chunks at every unit. */
static void dedup_commit(struct dgen_inspect *in, size_t len)
{
	size_t n = len / DGEN_INSPECT_SECTOR, i;
	int u;

	for (u = 0; u < DGEN_INSPECT_UNITS; u++, n /= 2) {
		const XXH128_hash_t *h = in->tree + TREE_BASE(u);
		const XXH128_hash_t z = in->zero_hash[u];

		for (i = 0; i < n; i++) {
			if (h[i].low64 == z.low64 && h[i].high64 == z.high64) {
				in->zero_chunks[u]++;
			} else if (sampled(in, h[i])) {
				hset_put(&in->set[u], h[i], NULL);
				in->set[u].chunks++;
			}
		}
		in->chunks[u] += n;
	}
}

/* Account one step: @len <= 1 MiB bytes starting on a 1 MiB boundary. */
static int feed_step(struct dgen_inspect *in, const unsigned char *buf,
		     size_t len)
{
	uint64_t cin[DGEN_INSPECT_CODECS][DGEN_INSPECT_PIECES] = { { 0 } };
	uint64_t cout[DGEN_INSPECT_CODECS][DGEN_INSPECT_PIECES] = { { 0 } };
	size_t sectors = len / DGEN_INSPECT_SECTOR, i;
	int dedup = !(in->o.flags & DGEN_INSPECT_NO_DEDUP);
	int compress = !(in->o.flags & DGEN_INSPECT_NO_COMPRESS);
	int u, p, c, r;

	if (dedup)
		for (u = 0; u < DGEN_INSPECT_UNITS; u++) {
			r = hset_reserve(&in->set[u], sectors >> u);
			if (r)
				return r;
		}
	/* The compressors need the pieces' hashes for the cache too. */
	if (dedup || compress)
		hash_step(in, buf, len);
	if (compress) {
		r = compress_step(in, buf, len, cin, cout);
		if (r)
			return r;
	}
	/* Nothing below can fail: the step is now accounted in full. */
	if (dedup)
		dedup_commit(in, len);
	for (i = 0; i < sectors; i++) {
		const unsigned char *s = buf + i * DGEN_INSPECT_SECTOR;

		if (sector_same(s)) {
			if (s[0])
				in->same_sectors++;
			else
				in->zero_sectors++;
		}
	}
	for (c = 0; c < DGEN_INSPECT_CODECS; c++)
		for (p = 0; p < DGEN_INSPECT_PIECES; p++) {
			in->in[c][p] += cin[c][p];
			in->out[c][p] += cout[c][p];
		}
	in->sectors += sectors;
	in->bytes += len;
	return 0;
}

int dgen_inspect_feed(struct dgen_inspect *in, const void *buf,
		      uint64_t offset, size_t len)
{
	const unsigned char *p = buf;
	int r;

	if (offset % DGEN_INSPECT_ALIGN)
		return -EINVAL;
	while (len) {
		size_t n = len < DGEN_INSPECT_ALIGN ? len : DGEN_INSPECT_ALIGN;

		r = feed_step(in, p, n);
		if (r)
			return r;
		p += n;
		len -= n;
	}
	return 0;
}

int dgen_inspect_merge(struct dgen_inspect *dst,
		       const struct dgen_inspect *src)
{
	int u, p, c, r;
	uint64_t i;

	if (dst->o.flags != src->o.flags ||
	    dst->o.zstd_level != src->o.zstd_level ||
	    dst->o.dedup_sample != src->o.dedup_sample)
		return -EINVAL;
	for (u = 0; u < DGEN_INSPECT_UNITS; u++) {
		const struct hset *s = &src->set[u];
		struct hset *d = &dst->set[u];

		r = hset_reserve(d, s->count);
		if (r)
			return r;
		for (i = 0; i <= s->mask; i++)
			if (!hset_empty(&s->slot[i]))
				hset_put(d, s->slot[i], NULL);
		d->chunks += s->chunks;
		dst->chunks[u] += src->chunks[u];
		dst->zero_chunks[u] += src->zero_chunks[u];
	}
	for (c = 0; c < DGEN_INSPECT_CODECS; c++)
		for (p = 0; p < DGEN_INSPECT_PIECES; p++) {
			dst->in[c][p] += src->in[c][p];
			dst->out[c][p] += src->out[c][p];
		}
	dst->bytes += src->bytes;
	dst->sectors += src->sectors;
	dst->zero_sectors += src->zero_sectors;
	dst->same_sectors += src->same_sectors;
	return 0;
}

void dgen_inspect_result_get(const struct dgen_inspect *in,
			     struct dgen_inspect_result *out)
{
	int u, p, c;

	memset(out, 0, sizeof(*out));
	out->bytes = in->bytes;
	out->sectors = in->sectors;
	out->zero_sectors = in->zero_sectors;
	out->same_sectors = in->same_sectors;
	out->dedup_sample = in->o.dedup_sample;
	for (u = 0; u < DGEN_INSPECT_UNITS; u++) {
		struct dgen_inspect_dedup *d = &out->dedup[u];

		const double S = in->o.dedup_sample;
		const uint64_t zero = in->zero_chunks[u];

		d->unit = DGEN_INSPECT_UNIT_MIN << u;
		d->chunks = in->chunks[u];
		/* Exact when S = 1; otherwise the sample scaled up, and the
		 * ratio the sample's own (chunks and distinct err together,
		 * so their quotient errs less than either). */
		d->distinct = (zero > 0) + (uint64_t)(S * (double)in->set[u].count);
		d->ratio = d->distinct ?
			   ((double)zero + S * (double)in->set[u].chunks) /
			   ((double)(zero > 0) + S * (double)in->set[u].count) :
			   0.0;
	}
	for (c = 0; c < DGEN_INSPECT_CODECS; c++)
		for (p = 0; p < DGEN_INSPECT_PIECES; p++) {
			struct dgen_inspect_compress *x = &out->compress[c][p];

			x->codec = codec_name[c];
			x->piece = piece_size[p];
			x->in = in->in[c][p];
			x->out = in->out[c][p];
			x->ratio = x->out ? (double)x->in / (double)x->out : 0.0;
		}
}

uint64_t dgen_inspect_memory(const struct dgen_inspect *in)
{
	uint64_t m = sizeof(*in) + ZSTD_sizeof_CCtx(in->zstd);
	unsigned int u, i, p;

	for (u = 0; u < DGEN_INSPECT_UNITS; u++)
		m += hset_memory(&in->set[u]);
	if (in->own_cache)
		for (i = 0; i < CACHE_SHARDS; i++)
			for (p = 0; p < DGEN_INSPECT_PIECES; p++)
				m += hset_memory(&in->own_cache->shard[i].set[p]);
	return m;
}
