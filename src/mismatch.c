// SPDX-License-Identifier: MIT
/*
 * mismatch.c - the N mismatches of lowest (target, offset)
 *
 * Verify counts every bad block but keeps only a few in full (each record
 * carries a sector map of up to 2 KiB), and which ones must not depend on
 * the order threads found them in: the lowest by (target, offset). A
 * max-heap of N holds them; a new record replaces the root (the greatest
 * kept) when it is lower.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include <dgen/mismatch.h>

struct dgen_mismatch_keep {
	pthread_mutex_t lock;
	struct dgen_verify_mismatch *heap;
	unsigned int n, cap;
	int sorted;
};

int dgen_mismatch_keep_new(struct dgen_mismatch_keep **out, unsigned int n)
{
	struct dgen_mismatch_keep *k = calloc(1, sizeof(*k));

	if (!k)
		return -ENOMEM;
	k->heap = n ? calloc(n, sizeof(*k->heap)) : NULL;
	if (n && !k->heap) {
		free(k);
		return -ENOMEM;
	}
	k->cap = n;
	pthread_mutex_init(&k->lock, NULL);
	*out = k;
	return 0;
}

void dgen_mismatch_keep_free(struct dgen_mismatch_keep *k)
{
	if (!k)
		return;
	pthread_mutex_destroy(&k->lock);
	free(k->heap);
	free(k);
}

static int key_less(const struct dgen_verify_mismatch *a,
		    const struct dgen_verify_mismatch *b)
{
	return a->target != b->target ? a->target < b->target :
	       a->offset < b->offset;
}

static void swap(struct dgen_verify_mismatch *a, struct dgen_verify_mismatch *b)
{
	struct dgen_verify_mismatch t = *a;

	*a = *b;
	*b = t;
}

/* Restore the max-heap below @i (the root holds the greatest key). */
static void sift_down(struct dgen_verify_mismatch *h, unsigned int n,
		      unsigned int i)
{
	for (;;) {
		unsigned int l = 2 * i + 1, r = l + 1, m = i;

		if (l < n && key_less(&h[m], &h[l]))
			m = l;
		if (r < n && key_less(&h[m], &h[r]))
			m = r;
		if (m == i)
			return;
		swap(&h[i], &h[m]);
		i = m;
	}
}

void dgen_mismatch_keep_add(struct dgen_mismatch_keep *k,
			    const struct dgen_verify_mismatch *m)
{
	struct dgen_verify_mismatch *h = k->heap;

	if (!k->cap)
		return;
	pthread_mutex_lock(&k->lock);
	if (k->sorted) {
		/* A sorted array, read backwards, is a max-heap again. */
		for (unsigned int i = 0; i < k->n / 2; i++)
			swap(&h[i], &h[k->n - 1 - i]);
		k->sorted = 0;
	}
	if (k->n < k->cap) {
		unsigned int i = k->n++;

		h[i] = *m;
		while (i && key_less(&h[(i - 1) / 2], &h[i])) {
			swap(&h[(i - 1) / 2], &h[i]);
			i = (i - 1) / 2;
		}
	} else if (key_less(m, &h[0])) {
		h[0] = *m;
		sift_down(h, k->n, 0);
	}
	pthread_mutex_unlock(&k->lock);
}

static int cmp_key(const void *a, const void *b)
{
	return key_less(a, b) ? -1 : key_less(b, a) ? 1 : 0;
}

unsigned int dgen_mismatch_keep_sorted(struct dgen_mismatch_keep *k,
				       const struct dgen_verify_mismatch **out)
{
	if (!k->sorted && k->n)
		qsort(k->heap, k->n, sizeof(*k->heap), cmp_key);
	k->sorted = 1;
	*out = k->heap;
	return k->n;
}
