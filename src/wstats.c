// SPDX-License-Identifier: MIT
/*
 * wstats.c - sum the writer's per-thread, per-target counters while it runs
 *
 * Samplers run rarely (once per log interval, a watchdog a few times a
 * second), so they pay for the sums; the workers only store into their
 * own rows (wstats.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ring_impl.h"
#include "wstats.h"

int wstats_new(struct wstats **out, unsigned int threads, unsigned int n)
{
	struct wstats *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->threads = threads;
	s->n = n;
	s->th = calloc(threads, sizeof(*s->th));
	if (!s->th)
		goto nomem;
	for (unsigned int t = 0; t < threads; t++) {
		/* Here, not in the thread: samplers may look at once. */
		if (posix_memalign((void **)&s->th[t].tgt, 64,
				   n * sizeof(*s->th[t].tgt)))
			goto nomem;
		memset(s->th[t].tgt, 0, n * sizeof(*s->th[t].tgt));
		s->th[t].ring_fd = -1;
	}
	*out = s;
	return 0;
nomem:
	wstats_free(s);
	return -ENOMEM;
}

void wstats_free(struct wstats *s)
{
	if (!s)
		return;
	for (unsigned int t = 0; s->th && t < s->threads; t++) {
		for (unsigned int k = 0; s->th[t].tgt && k < s->n; k++)
			free(s->th[t].tgt[k].lat);
		free(s->th[t].tgt);
		free(s->th[t].io);
	}
	free(s->th);
	free(s);
}

void wstats_first(struct wstats_tgt *tg, uint64_t now)
{
	struct dgen_latency *l = malloc(sizeof(*l));

	/* Without memory the target's latency goes uncounted, nothing else. */
	if (l) {
		dgen_latency_init(l);
		__atomic_store_n(&tg->lat, l, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&tg->first_ns, now, __ATOMIC_RELAXED);
}

int wstats_thread_setup(struct wstats *s, unsigned int t, unsigned int qd,
			int ring_fd)
{
	struct wstats_io *io = calloc(qd, sizeof(*io));

	if (!io)
		return -ENOMEM;
	s->th[t].nio = qd;
	__atomic_store_n(&s->th[t].ring_fd, ring_fd, __ATOMIC_RELAXED);
	__atomic_store_n(&s->th[t].io, io, __ATOMIC_RELEASE);
	return 0;
}

void wstats_sample(const struct wstats *s, unsigned int k,
		   struct dgen_target_sample *out)
{
	memset(out, 0, sizeof(*out));
	dgen_latency_init(&out->lat);
	for (unsigned int t = 0; t < s->threads; t++) {
		const struct wstats_tgt *tg = &s->th[t].tgt[k];
		const struct dgen_latency *tl = __atomic_load_n(&tg->lat, __ATOMIC_ACQUIRE);
		uint64_t first = __atomic_load_n(&tg->first_ns, __ATOMIC_RELAXED);
		uint64_t last = __atomic_load_n(&tg->last_ns, __ATOMIC_RELAXED);
		struct dgen_latency l;

		out->bytes += __atomic_load_n(&tg->bytes, __ATOMIC_RELAXED);
		out->ios += __atomic_load_n(&tg->ios, __ATOMIC_RELAXED);
		if (first && (!out->first_ns || first < out->first_ns))
			out->first_ns = first;
		if (last > out->last_ns)
			out->last_ns = last;
		/*
		 * The owner may be adding a sample while this copies: the
		 * copy can be a sample short in count or in a bucket, never
		 * torn within a word (aligned 8-byte words), which a sampler
		 * that takes differences over intervals does not notice.
		 */
		if (!tl)
			continue;
		l.count = __atomic_load_n(&tl->count, __ATOMIC_RELAXED);
		l.min_ns = __atomic_load_n(&tl->min_ns, __ATOMIC_RELAXED);
		l.max_ns = __atomic_load_n(&tl->max_ns, __ATOMIC_RELAXED);
		l.sum_ns = __atomic_load_n(&tl->sum_ns, __ATOMIC_RELAXED);
		for (unsigned int b = 0; b < DGEN_LAT_BUCKETS; b++)
			l.buckets[b] = __atomic_load_n(&tl->buckets[b],
						       __ATOMIC_RELAXED);
		dgen_latency_merge(&out->lat, &l);
	}
}

void wstats_outstanding(const struct wstats *s, struct dgen_io_outstanding *out)
{
	memset(out, 0, s->n * sizeof(*out));
	for (unsigned int t = 0; t < s->threads; t++) {
		const struct wstats_io *io =
			__atomic_load_n(&s->th[t].io, __ATOMIC_ACQUIRE);

		for (unsigned int b = 0; io && b < s->th[t].nio; b++) {
			uint64_t since = __atomic_load_n(&io[b].since,
							 __ATOMIC_ACQUIRE);
			unsigned int k;

			if (!since)
				continue;
			k = __atomic_load_n(&io[b].target, __ATOMIC_RELAXED);
			if (k >= s->n || (out[k].since_ns && out[k].since_ns <= since))
				continue;
			out[k].since_ns = since;
			out[k].offset = __atomic_load_n(&io[b].off, __ATOMIC_RELAXED);
			out[k].len = __atomic_load_n(&io[b].len, __ATOMIC_RELAXED);
		}
	}
}

/*
 * A worker blocked for a completion that never comes sees nothing of a
 * stop flag; a CQE posted into its ring (dgen_ring_wake) wakes it, so it
 * can submit its own cancel (rings that allow a single issuer refuse one
 * from here).
 */
void wstats_wake(const struct wstats *s)
{
	int *fds = malloc(s->threads * sizeof(*fds)), any = 0;

	if (!fds)
		return;
	for (unsigned int t = 0; t < s->threads; t++) {
		fds[t] = __atomic_load_n(&s->th[t].ring_fd, __ATOMIC_RELAXED);
		any |= fds[t] >= 0;
	}
	/* libaio's workers have no ring (-1): they look every second. */
	if (any)
		dgen_ring_wake(fds, s->threads, WSTATS_WAKE);
	free(fds);
}
