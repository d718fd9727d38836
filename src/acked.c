// SPDX-License-Identifier: MIT
/*
 * acked.c - which writes each target acknowledged, and which of them a
 * completed flush made durable
 *
 * Per target, one bit per write unit in four bitmaps:
 *
 *	acked	 set by dgen_acked_add with an atomic OR, from any thread;
 *	summary	 one bit per word of acked that gained bits since the last
 *		 snapshot, so a snapshot reads only the words that changed
 *		 (a 4 TiB target at 1 MiB units has 65536 words of acked but
 *		 1024 of summary);
 *	held	 bits a snapshot already took (under the target's lock);
 *	durable	 bits a completed flush covered (under the lock).
 *
 * An add costs one atomic OR on the unit's word, one load of its summary
 * word (an OR only when the summary bit is clear) and one atomic add of
 * the byte count: no lock, whatever the thread count (bench/ackbench.c).
 *
 * Why a snapshot misses nothing: an adder ORs acked[w] and then looks at
 * summary bit w; a snapshot exchanges a summary word for zero and then
 * reads the acked words under its set bits, all sequentially consistent.
 * If the adder's look came after the exchange, it finds the bit clear
 * and sets it, so the next snapshot reads acked[w]; if it came before,
 * its OR came before the exchange too, and this snapshot reads it. A bit
 * set in acked but already in held is not taken twice.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/acked.h>

#include "ranges.h"
#include "refuse.h"

#define CACHE_LINE	64u

/* What one snapshot holds until its flush completes or fails. */
struct snap {
	uint64_t ticket;
	struct dgen_ranges r;
};

struct target {
	/* Written by every adder: on a line of its own. */
	_Alignas(CACHE_LINE) uint64_t bytes;	/* atomic: acked this pass */
	_Alignas(CACHE_LINE) uint64_t offset, size, flush_every;
	uint32_t unit;
	uint64_t units, words, sum_words;
	uint64_t *acked, *summary, *held, *durable;
	pthread_mutex_t lock;
	struct snap *snaps;		/* ascending tickets */
	size_t nsnaps, cap;
	uint64_t next_ticket;
	struct dgen_ranges out;		/* dgen_acked_flushed's answer */
	struct dgen_ranges report;	/* dgen_acked_durable's answer */
	uint64_t durable_bytes, flushes, discarded;
	struct dgen_latency lat;
	int ready;			/* the lock is initialised */
};

struct dgen_acked {
	unsigned int n;
	struct target *t;
};

static uint64_t *words_alloc(uint64_t n)
{
	size_t len = (size_t)((n ? n : 1) * sizeof(uint64_t));
	void *p;

	len = (len + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
	if (posix_memalign(&p, CACHE_LINE, len))
		return NULL;
	return memset(p, 0, len);
}

static int target_init(struct target *t, const struct dgen_acked_target *d,
		       unsigned int k, char *msg, size_t msglen)
{
	if (!d->size || !d->unit)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "target %u: a tracked region needs a size and a unit", k);
	if (d->offset + d->size < d->offset)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "target %u: offset %llu + size %llu overflows", k,
				   (unsigned long long)d->offset,
				   (unsigned long long)d->size);
	t->offset = d->offset;
	t->size = d->size;
	t->unit = d->unit;
	t->flush_every = d->flush_every;
	t->units = (d->size - 1) / d->unit + 1;
	if (t->units > DGEN_ACKED_UNITS_MAX)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "target %u: %llu write units of %u B are more than the %llu a tracker follows; write in larger units",
				   k, (unsigned long long)t->units, d->unit,
				   (unsigned long long)DGEN_ACKED_UNITS_MAX);
	t->words = (t->units + 63) / 64;
	t->sum_words = (t->words + 63) / 64;
	t->acked = words_alloc(t->words);
	t->summary = words_alloc(t->sum_words);
	t->held = words_alloc(t->words);
	t->durable = words_alloc(t->words);
	if (!t->acked || !t->summary || !t->held || !t->durable)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	t->ready = 1;
	t->next_ticket = 1;
	dgen_latency_init(&t->lat);
	return 0;
}

static void target_fini(struct target *t)
{
	for (size_t i = 0; i < t->nsnaps; i++)
		dgen_ranges_free(&t->snaps[i].r);
	free(t->snaps);
	dgen_ranges_free(&t->out);
	dgen_ranges_free(&t->report);
	free(t->acked);
	free(t->summary);
	free(t->held);
	free(t->durable);
	if (t->ready)
		pthread_mutex_destroy(&t->lock);
}

int dgen_acked_new(struct dgen_acked **out, const struct dgen_acked_target *t,
		   unsigned int n, char *msg, size_t msglen)
{
	struct dgen_acked *a = calloc(1, sizeof(*a));
	int r = -ENOMEM;

	if (!a)
		return -ENOMEM;
	if (n && posix_memalign((void **)&a->t, CACHE_LINE, n * sizeof(*a->t)))
		goto err;
	if (n)
		memset(a->t, 0, n * sizeof(*a->t));
	a->n = n;
	for (unsigned int k = 0; k < n; k++) {
		r = target_init(&a->t[k], &t[k], k, msg, msglen);
		if (r)
			goto err;
	}
	*out = a;
	return 0;
err:
	dgen_acked_free(a);
	return r;
}

void dgen_acked_free(struct dgen_acked *a)
{
	if (!a)
		return;
	for (unsigned int k = 0; a->t && k < a->n; k++)
		target_fini(&a->t[k]);
	free(a->t);
	free(a);
}

/* Set bits [lo, hi) of @map atomically, and their words' summary bits. */
static void mark(struct target *t, uint64_t lo, uint64_t hi)
{
	while (lo < hi) {
		uint64_t w = lo / 64, b = lo % 64;
		uint64_t n = hi - lo < 64 - b ? hi - lo : 64 - b;
		uint64_t mask = (n == 64 ? ~0ull : ((1ull << n) - 1)) << b;
		uint64_t sbit = 1ull << (w % 64);

		__atomic_fetch_or(&t->acked[w], mask, __ATOMIC_SEQ_CST);
		if (!(__atomic_load_n(&t->summary[w / 64], __ATOMIC_SEQ_CST) & sbit))
			__atomic_fetch_or(&t->summary[w / 64], sbit,
					  __ATOMIC_SEQ_CST);
		lo += n;
	}
}

int dgen_acked_add(struct dgen_acked *a, unsigned int k, uint64_t off,
		   uint64_t len)
{
	struct target *t;
	uint64_t rel, end, lo, hi, old;

	if (k >= a->n)
		return -EINVAL;
	t = &a->t[k];
	if (off < t->offset || off - t->offset > t->size ||
	    len > t->size - (off - t->offset))
		return -EINVAL;
	rel = off - t->offset;
	end = rel + len;
	/* Units covered whole: from the first unit starting at or after rel
	 * to the last ending at or before end (the short last unit ends at
	 * the region's end). */
	lo = (rel + t->unit - 1) / t->unit;
	hi = end == t->size ? t->units : end / t->unit;
	if (lo < hi)
		mark(t, lo, hi);
	old = __atomic_fetch_add(&t->bytes, len, __ATOMIC_RELAXED);
	return t->flush_every && len &&
	       old / t->flush_every != (old + len) / t->flush_every;
}

/* Append units [lo, hi) of @t as a byte range to @s. */
static int push_units(struct target *t, struct dgen_ranges *s, uint64_t lo,
		      uint64_t hi)
{
	uint64_t a = lo * t->unit, b = hi * t->unit;

	if (b > t->size)
		b = t->size;
	return dgen_ranges_push(s, t->offset + a, b - a);
}

/* Append the set bits of word @w of value @bits as ranges to @s. */
static int push_word(struct target *t, struct dgen_ranges *s, uint64_t w,
		     uint64_t bits)
{
	while (bits) {
		unsigned int b = (unsigned int)__builtin_ctzll(bits);
		uint64_t rest = bits >> b;
		unsigned int n = ~rest ? (unsigned int)__builtin_ctzll(~rest) : 64 - b;
		int r = push_units(t, s, w * 64 + b, w * 64 + b + n);

		if (r)
			return r;
		bits &= n + b >= 64 ? 0 : ~0ull << (n + b);
	}
	return 0;
}

int dgen_acked_snapshot(struct dgen_acked *a, unsigned int k,
			uint64_t *ticket)
{
	struct target *t;
	struct snap *s;
	int r = 0;

	if (k >= a->n)
		return -EINVAL;
	t = &a->t[k];
	pthread_mutex_lock(&t->lock);
	if (t->nsnaps == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4;
		struct snap *p = realloc(t->snaps, cap * sizeof(*p));

		if (!p) {
			pthread_mutex_unlock(&t->lock);
			return -ENOMEM;
		}
		t->snaps = p;
		t->cap = cap;
	}
	s = &t->snaps[t->nsnaps];
	*s = (struct snap) { .ticket = t->next_ticket };
	for (uint64_t j = 0; j < t->sum_words && !r; j++) {
		uint64_t sum;

		if (!__atomic_load_n(&t->summary[j], __ATOMIC_RELAXED))
			continue;
		sum = __atomic_exchange_n(&t->summary[j], 0, __ATOMIC_SEQ_CST);
		while (sum && !r) {
			uint64_t w = j * 64 + (uint64_t)__builtin_ctzll(sum);
			uint64_t cur = __atomic_load_n(&t->acked[w], __ATOMIC_SEQ_CST);
			uint64_t fresh = cur & ~t->held[w];

			sum &= sum - 1;
			t->held[w] |= fresh;
			r = push_word(t, &s->r, w, fresh);
		}
	}
	if (r) {
		/* Out of memory: what this snapshot took is never reported
		 * durable (too little claimed is safe, too much is not). */
		dgen_ranges_free(&s->r);
	} else {
		t->nsnaps++;
		*ticket = t->next_ticket++;
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

/* Set the durable bits of the units of range @g (whole units: ranges come
 * from units). */
static void durable_mark(struct target *t, const struct dgen_range *g)
{
	uint64_t lo = (g->offset - t->offset) / t->unit;
	uint64_t hi = (g->offset - t->offset + g->length + t->unit - 1) / t->unit;

	for (uint64_t u = lo; u < hi; u++)
		t->durable[u / 64] |= 1ull << (u % 64);
}

int dgen_acked_flushed(struct dgen_acked *a, unsigned int k, uint64_t ticket,
		       uint64_t flush_ns, const struct dgen_range **out,
		       size_t *n)
{
	struct target *t;
	size_t i, taken = 0;
	int r = 0;

	*out = NULL;
	*n = 0;
	if (k >= a->n)
		return -EINVAL;
	t = &a->t[k];
	pthread_mutex_lock(&t->lock);
	dgen_ranges_clear(&t->out);
	for (i = 0; i < t->nsnaps && t->snaps[i].ticket <= ticket; i++) {
		struct dgen_ranges *s = &t->snaps[i].r;

		for (size_t j = 0; j < s->n && !r; j++)
			r = dgen_ranges_push(&t->out, s->r[j].offset, s->r[j].length);
		if (r)
			break;
		taken++;
	}
	if (!r) {
		for (i = 0; i < taken; i++)
			dgen_ranges_free(&t->snaps[i].r);
		memmove(t->snaps, t->snaps + taken,
			(t->nsnaps - taken) * sizeof(*t->snaps));
		t->nsnaps -= taken;
		dgen_ranges_coalesce(&t->out);
		for (i = 0; i < t->out.n; i++)
			durable_mark(t, &t->out.r[i]);
		t->durable_bytes += dgen_ranges_bytes(&t->out);
		t->flushes++;
		if (flush_ns)
			dgen_latency_add(&t->lat, flush_ns);
	} else {
		dgen_ranges_clear(&t->out);
	}
	*out = t->out.r;
	*n = t->out.n;
	pthread_mutex_unlock(&t->lock);
	return r;
}

void dgen_acked_discard(struct dgen_acked *a, unsigned int k, uint64_t ticket)
{
	struct target *t;
	size_t taken = 0;

	if (k >= a->n)
		return;
	t = &a->t[k];
	pthread_mutex_lock(&t->lock);
	while (taken < t->nsnaps && t->snaps[taken].ticket <= ticket)
		dgen_ranges_free(&t->snaps[taken++].r);
	memmove(t->snaps, t->snaps + taken,
		(t->nsnaps - taken) * sizeof(*t->snaps));
	t->nsnaps -= taken;
	t->discarded++;
	pthread_mutex_unlock(&t->lock);
}

void dgen_acked_reset(struct dgen_acked *a, unsigned int k)
{
	struct target *t;

	if (k >= a->n)
		return;
	t = &a->t[k];
	pthread_mutex_lock(&t->lock);
	memset(t->acked, 0, t->words * sizeof(uint64_t));
	memset(t->summary, 0, t->sum_words * sizeof(uint64_t));
	memset(t->held, 0, t->words * sizeof(uint64_t));
	memset(t->durable, 0, t->words * sizeof(uint64_t));
	for (size_t i = 0; i < t->nsnaps; i++)
		dgen_ranges_free(&t->snaps[i].r);
	t->nsnaps = 0;
	t->next_ticket = 1;
	t->durable_bytes = t->flushes = t->discarded = 0;
	dgen_latency_init(&t->lat);
	__atomic_store_n(&t->bytes, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&t->lock);
}

void dgen_acked_stats_get(struct dgen_acked *a, unsigned int k,
			  struct dgen_acked_stats *out)
{
	struct target *t;

	memset(out, 0, sizeof(*out));
	if (k >= a->n)
		return;
	t = &a->t[k];
	pthread_mutex_lock(&t->lock);
	out->acked_bytes = __atomic_load_n(&t->bytes, __ATOMIC_RELAXED);
	out->durable_bytes = t->durable_bytes;
	out->flushes = t->flushes;
	out->discarded = t->discarded;
	out->flush_latency = t->lat;
	pthread_mutex_unlock(&t->lock);
}

int dgen_acked_durable(struct dgen_acked *a, unsigned int k,
		       const struct dgen_range **out, size_t *n)
{
	struct target *t;
	int r = 0;

	*out = NULL;
	*n = 0;
	if (k >= a->n)
		return -EINVAL;
	t = &a->t[k];
	pthread_mutex_lock(&t->lock);
	dgen_ranges_clear(&t->report);
	for (uint64_t w = 0; w < t->words && !r; w++)
		if (t->durable[w])
			r = push_word(t, &t->report, w, t->durable[w]);
	if (r)
		dgen_ranges_clear(&t->report);
	*out = t->report.r;
	*n = t->report.n;
	pthread_mutex_unlock(&t->lock);
	return r;
}
