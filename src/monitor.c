// SPDX-License-Identifier: MIT
/*
 * monitor.c - sample a running source (a writer, an object store's job)
 * per interval: rows, log, watchdog, steady state, and the figures the
 * report gives per target and phase
 *
 * Counters are cumulative over the run: what finished sources did (base)
 * plus what the attached one has done; an interval's row is the
 * difference from the last interval's end, so intervals run on across
 * passes and phases and no I/O is counted twice or lost between sources.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/acked.h>
#include <dgen/monitor.h>

#define WATCH_NS	100000000ull	/* the watchdog looks every 100 ms */
/*
 * The run polls every few milliseconds; a gap of DGEN_STOP_GAP_NS between
 * two polls is a stop. CLOCK_MONOTONIC (and CLOCK_BOOTTIME) go on counting
 * through a stop, so the gap is the only sign of it; time while stopped is
 * not the drive's, so every I/O's outstanding time counts again from the
 * resume.
 */
#define STOP_GAP_NS	DGEN_STOP_GAP_NS

struct mon_target {
	uint64_t base_bytes, base_ios;	/* finished sources, all phases */
	struct dgen_latency base_lat;
	uint64_t prev_bytes, prev_ios;	/* at the last interval's end */
	struct dgen_latency prev_lat;
	struct dgen_latency prev_flush;	/* its flushes, at that end */
	uint64_t size;			/* bytes it has to do in this phase */
	uint64_t errors;
	double rate;			/* GB/s in the last interval; -1: none */
	int active;			/* had work in the last interval */
	int hung, unhealthy;
	/* All the run's phases of each kind. */
	struct dgen_latency ph_lat[DGEN_PHASES];
	uint64_t ph_bytes[DGEN_PHASES], ph_ios[DGEN_PHASES];
	uint64_t ph_errors[DGEN_PHASES];
	double ph_seconds[DGEN_PHASES];
};

struct dgen_monitor {
	struct dgen_monitor_opts o;
	unsigned int n;
	int *kinds;
	struct dgen_series *series;
	struct mon_target *t;
	struct dgen_target_sample *samp;	/* scratch, one per target */
	struct dgen_io_outstanding *out;	/* scratch */
	struct dgen_latency *lat;		/* scratch */
	struct dgen_monitor_source src;
	struct dgen_acked *acked;	/* flushes to log; NULL: none */
	int attached;			/* src runs */
	enum dgen_phase ph;
	uint64_t pass;
	uint64_t t0, tick_start, next_tick, next_watch, interval_ns;
	uint64_t last_poll;		/* the last poll, or the source's begin */
	uint64_t resumed;		/* the end of the last stop seen */
	int log_err;			/* the log's first failed flush */
	struct dgen_steady steady;
	struct dgen_monitor_hang hang;
	int hung;
	struct dgen_monitor_phase *phases;
	unsigned int nphases, cap;
};

void dgen_monitor_opts_init(struct dgen_monitor_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->interval_s = 1;
	o->io_timeout_s = DGEN_IO_TIMEOUT_DEFAULT;
	dgen_steady_opts_init(&o->steady_opts);
	dgen_verdict_opts_init(&o->verdict_opts);
}

int dgen_monitor_new(struct dgen_monitor **out,
		     const struct dgen_monitor_opts *o,
		     const char *const *names, const int *kinds,
		     unsigned int n)
{
	struct dgen_monitor *m;

	if (!(o->interval_s > 0) || o->io_timeout_s < 0)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->o = *o;
	m->n = n;
	m->kinds = calloc(n ? n : 1, sizeof(*m->kinds));
	m->t = calloc(n ? n : 1, sizeof(*m->t));
	m->samp = calloc(n ? n : 1, sizeof(*m->samp));
	m->out = calloc(n ? n : 1, sizeof(*m->out));
	m->lat = malloc(sizeof(*m->lat));
	if (!m->kinds || !m->t || !m->samp || !m->out || !m->lat ||
	    dgen_series_new(&m->series, names, n)) {
		dgen_monitor_free(m);
		return -ENOMEM;
	}
	for (unsigned int k = 0; k < n; k++) {
		m->kinds[k] = kinds ? kinds[k] : 0;
		dgen_latency_init(&m->t[k].base_lat);
		dgen_latency_init(&m->t[k].prev_lat);
		for (int p = 0; p < DGEN_PHASES; p++)
			dgen_latency_init(&m->t[k].ph_lat[p]);
		m->t[k].rate = -1;
	}
	dgen_steady_init(&m->steady, &o->steady_opts);
	m->interval_ns = (uint64_t)(o->interval_s * 1e9);
	if (!m->interval_ns)
		m->interval_ns = 1;
	m->t0 = m->tick_start = dgen_now_ns();
	m->next_tick = m->t0 + m->interval_ns;
	*out = m;
	return 0;
}

void dgen_monitor_free(struct dgen_monitor *m)
{
	if (!m)
		return;
	for (unsigned int i = 0; i < m->nphases; i++)
		free(m->phases[i].targets);
	free(m->phases);
	dgen_series_free(m->series);
	free(m->kinds);
	free(m->t);
	free(m->samp);
	free(m->out);
	free(m->lat);
	free(m);
}

void dgen_monitor_begin_source(struct dgen_monitor *m,
			       const struct dgen_monitor_source *src,
			       enum dgen_phase ph, uint64_t pass,
			       const uint64_t *sizes)
{
	m->src = *src;
	m->attached = 1;
	/* Time between phases is no stop, but a stop once the source runs
	 * is (an object store's job starts before it is attached). */
	m->last_poll = dgen_now_ns();
	m->ph = ph;
	m->pass = pass;
	for (unsigned int k = 0; k < m->n; k++)
		m->t[k].size = sizes ? sizes[k] : 0;
}

static int w_sample(void *w, unsigned int k, struct dgen_target_sample *out)
{
	return dgen_writer_sample(w, k, out);
}

static int w_outstanding(void *w, struct dgen_io_outstanding *out)
{
	return dgen_writer_outstanding(w, out);
}

static void w_stop(void *w)
{
	dgen_writer_stop(w);
}

void dgen_monitor_begin(struct dgen_monitor *m, struct dgen_writer *w,
			enum dgen_phase ph, uint64_t pass,
			const uint64_t *sizes)
{
	const struct dgen_monitor_source src = {
		.sample = w_sample, .outstanding = w_outstanding,
		.abandon = w_stop, .arg = w,
	};

	dgen_monitor_begin_source(m, &src, ph, pass, sizes);
}

double dgen_monitor_seconds(const struct dgen_monitor *m)
{
	return (double)(dgen_now_ns() - m->t0) / 1e9;
}

/* @a - @b, bucket by bucket; min and max from the buckets in use. */
static void lat_sub(struct dgen_latency *d, const struct dgen_latency *a,
		    const struct dgen_latency *b)
{
	int lo = -1, hi = -1;

	dgen_latency_init(d);
	for (unsigned int i = 0; i < DGEN_LAT_BUCKETS; i++) {
		d->buckets[i] = a->buckets[i] - b->buckets[i];
		if (d->buckets[i]) {
			if (lo < 0)
				lo = (int)i;
			hi = (int)i;
		}
	}
	d->count = a->count - b->count;
	d->sum_ns = a->sum_ns - b->sum_ns;
	if (lo >= 0) {
		d->min_ns = dgen_latency_bucket_value((unsigned int)lo);
		d->max_ns = dgen_latency_bucket_value((unsigned int)hi);
	}
}

/* Target @k's run totals now: base plus the attached source's sample. */
static void cumulative(struct dgen_monitor *m, unsigned int k,
		       uint64_t *bytes, uint64_t *ios, struct dgen_latency *lat)
{
	const struct mon_target *t = &m->t[k];

	*bytes = t->base_bytes;
	*ios = t->base_ios;
	*lat = t->base_lat;
	if (m->attached) {
		*bytes += m->samp[k].bytes;
		*ios += m->samp[k].ios;
		dgen_latency_merge(lat, &m->samp[k].lat);
	}
}

static void sample_all(struct dgen_monitor *m)
{
	for (unsigned int k = 0; m->attached && k < m->n; k++)
		if (m->src.sample(m->src.arg, k, &m->samp[k]))
			memset(&m->samp[k], 0, sizeof(m->samp[k]));
	if (!m->attached || m->src.outstanding(m->src.arg, m->out))
		memset(m->out, 0, m->n * sizeof(*m->out));
}

/* Target @k's flushes completed in @r's interval (the tracker counts them
 * per pass: a count below the last one is a new pass's). */
static void flushes(struct dgen_monitor *m, unsigned int k,
		    struct dgen_series_row *r)
{
	struct mon_target *t = &m->t[k];
	struct dgen_acked_stats st;
	struct dgen_latency d;

	if (!m->acked)
		return;
	dgen_acked_stats_get(m->acked, k, &st);
	if (st.flush_latency.count < t->prev_flush.count)
		dgen_latency_init(&t->prev_flush);
	lat_sub(&d, &st.flush_latency, &t->prev_flush);
	t->prev_flush = st.flush_latency;
	r->flushing = 1;
	r->flushes = (uint32_t)d.count;
	if (d.count)
		r->flush_max_us = (float)(d.max_ns / 1e3);
}

void dgen_monitor_watch_flushes(struct dgen_monitor *m,
				struct dgen_acked *acked)
{
	m->acked = acked;
	for (unsigned int k = 0; k < m->n; k++)
		dgen_latency_init(&m->t[k].prev_flush);
}

/* The log's rows out now (a crash keeps them); the first failure kept. */
static void log_flush(struct dgen_monitor *m)
{
	if (!m->o.log)
		return;
	errno = 0;
	if ((fflush(m->o.log) || ferror(m->o.log)) && !m->log_err)
		m->log_err = errno ? -errno : -EIO;
}

int dgen_monitor_log_error(struct dgen_monitor *m)
{
	log_flush(m);
	return m->log_err;
}

/* Rows for the interval from tick_start to @now; @full: a whole interval. */
static void tick(struct dgen_monitor *m, uint64_t now, int full,
		 unsigned int *ev)
{
	uint64_t all_bytes = 0, all_total = 0;

	sample_all(m);
	for (unsigned int k = 0; k < m->n; k++) {
		struct mon_target *t = &m->t[k];
		struct dgen_series_row r = { 0 };
		uint64_t bytes, ios, end = now;
		struct dgen_latency d;

		cumulative(m, k, &bytes, &ios, m->lat);
		r.bytes = bytes - t->prev_bytes;
		r.ios = ios - t->prev_ios;
		all_bytes += r.bytes;
		all_total += bytes;
		lat_sub(&d, m->lat, &t->prev_lat);
		t->prev_bytes = bytes;
		t->prev_ios = ios;
		t->prev_lat = *m->lat;
		/* A target idle all interval (done, or between phases) gets
		 * no row: a finished drive did not fall off a cliff. */
		t->active = r.bytes || m->out[k].since_ns;
		if (!t->active)
			continue;
		/* One that finished inside it: its rate over its own time,
		 * unless that is a sliver of the interval (a few I/Os over
		 * a few microseconds are no rate). */
		if (m->attached && !m->out[k].since_ns && m->samp[k].last_ns < now &&
		    m->samp[k].last_ns > m->tick_start + (now - m->tick_start) / 5 &&
		    t->size && m->samp[k].bytes >= t->size)
			end = m->samp[k].last_ns;
		r.t = (double)(end - m->t0) / 1e9;
		r.dt = (double)(end - m->tick_start) / 1e9;
		r.pass = m->pass;
		r.phase = (uint8_t)m->ph;
		r.target = k;
		r.bytes_total = bytes;
		if (d.count) {
			r.p50_us = (float)(dgen_latency_percentile(&d, 50) / 1e3);
			r.p99_us = (float)(dgen_latency_percentile(&d, 99) / 1e3);
			r.max_us = (float)(d.max_ns / 1e3);
		}
		flushes(m, k, &r);
		t->rate = dgen_series_row_gbps(&r);
		dgen_series_add(m->series, &r);
		if (m->o.log)
			dgen_series_log_row(m->o.log, m->series, &r);
	}
	log_flush(m);
	if (m->o.steady && full && !m->steady.reached &&
	    dgen_steady_feed(&m->steady, (double)(now - m->t0) / 1e9,
			     all_total,
			     (double)all_bytes / ((double)(now - m->tick_start) / 1e9) / 1e9))
		*ev |= DGEN_MONITOR_STEADY;
	m->tick_start = now;
	*ev |= DGEN_MONITOR_TICK;
}

/* An I/O older than the timeout: the first one found is the run's hang. */
static void watchdog(struct dgen_monitor *m, uint64_t now, unsigned int *ev)
{
	const uint64_t limit = (uint64_t)(m->o.io_timeout_s * 1e9);

	if (!m->attached || m->src.outstanding(m->src.arg, m->out))
		return;
	for (unsigned int k = 0; k < m->n; k++) {
		const struct dgen_io_outstanding *io = &m->out[k];
		uint64_t since = io->since_ns > m->resumed ? io->since_ns :
				 m->resumed;
		struct dgen_series_event e;

		if (!io->since_ns || now < since || now - since < limit ||
		    m->t[k].hung)
			continue;
		m->t[k].hung = 1;
		e = (struct dgen_series_event) {
			.t = (double)(now - m->t0) / 1e9,
			.seconds = (double)(now - since) / 1e9,
			.offset = io->offset,
			.target = k,
			.kind = DGEN_EVENT_HUNG,
		};
		dgen_series_add_event(m->series, &e);
		if (m->o.log) {
			dgen_series_log_event(m->o.log, m->series, &e);
			log_flush(m);
		}
		if (!m->hung) {
			m->hung = 1;
			m->hang = (struct dgen_monitor_hang) {
				.target = k, .offset = io->offset,
				.len = io->len, .seconds = e.seconds,
				.at_s = e.t,
			};
			*ev |= DGEN_MONITOR_HUNG;
		}
	}
}

unsigned int dgen_monitor_poll(struct dgen_monitor *m)
{
	uint64_t now = dgen_now_ns();
	unsigned int ev = 0;

	if (m->last_poll && now - m->last_poll > STOP_GAP_NS)
		m->resumed = now;
	m->last_poll = now;
	if (now >= m->next_tick) {
		tick(m, now, 1, &ev);
		/* A late poll skips the missed ticks: intervals stay whole. */
		while (m->next_tick <= now)
			m->next_tick += m->interval_ns;
	}
	if (m->o.io_timeout_s > 0 && now >= m->next_watch) {
		watchdog(m, now, &ev);
		m->next_watch = now + WATCH_NS;
	}
	return ev;
}

static void figures_of(struct dgen_target_figures *f, uint64_t bytes,
		       uint64_t ios, double seconds,
		       const struct dgen_latency *l)
{
	memset(f, 0, sizeof(*f));
	f->bytes = bytes;
	f->ios = ios;
	f->seconds = seconds;
	f->gbps = seconds > 0 ? (double)bytes / seconds / 1e9 : 0;
	f->iops = seconds > 0 ? (double)ios / seconds : 0;
	if (l->count) {
		f->lat_min_us = (double)l->min_ns / 1e3;
		f->lat_mean_us = (double)l->sum_ns / (double)l->count / 1e3;
		f->lat_p50_us = (double)dgen_latency_percentile(l, 50) / 1e3;
		f->lat_p99_us = (double)dgen_latency_percentile(l, 99) / 1e3;
		f->lat_p999_us = (double)dgen_latency_percentile(l, 99.9) / 1e3;
		f->lat_max_us = (double)l->max_ns / 1e3;
	}
}

void dgen_monitor_end(struct dgen_monitor *m, int error_target)
{
	struct dgen_monitor_phase *p;

	if (!m->attached)
		return;
	sample_all(m);
	if (m->nphases == m->cap) {
		unsigned int cap = m->cap ? 2 * m->cap : 8;

		p = realloc(m->phases, cap * sizeof(*p));
		if (p) {
			m->phases = p;
			m->cap = cap;
		}
	}
	p = m->nphases < m->cap ? &m->phases[m->nphases] : NULL;
	if (p) {
		p->pass = m->pass;
		p->phase = m->ph;
		p->targets = calloc(m->n ? m->n : 1, sizeof(*p->targets));
		if (p->targets)
			m->nphases++;
		else
			p = NULL;
	}
	for (unsigned int k = 0; k < m->n; k++) {
		const struct dgen_target_sample *s = &m->samp[k];
		struct mon_target *t = &m->t[k];
		double sec = s->first_ns && s->last_ns > s->first_ns ?
			     (double)(s->last_ns - s->first_ns) / 1e9 : 0;

		/* A hung target's time runs until now: its I/O never ended. */
		if (t->hung && s->first_ns)
			sec = (double)(dgen_now_ns() - s->first_ns) / 1e9;
		if (p) {
			figures_of(&p->targets[k], s->bytes, s->ios, sec, &s->lat);
			p->targets[k].errors = (int)k == error_target || t->hung;
		}
		t->ph_bytes[m->ph] += s->bytes;
		t->ph_ios[m->ph] += s->ios;
		t->ph_seconds[m->ph] += sec;
		t->ph_errors[m->ph] += (int)k == error_target || t->hung;
		dgen_latency_merge(&t->ph_lat[m->ph], &s->lat);
		t->base_bytes += s->bytes;
		t->base_ios += s->ios;
		dgen_latency_merge(&t->base_lat, &s->lat);
	}
	m->attached = 0;
}

void dgen_monitor_finish(struct dgen_monitor *m)
{
	uint64_t now = dgen_now_ns();
	unsigned int ev = 0;

	if (now > m->tick_start)
		tick(m, now, 0, &ev);
}

void dgen_monitor_figures(const struct dgen_monitor *m, unsigned int k,
			  enum dgen_phase ph, struct dgen_target_figures *out)
{
	const struct mon_target *t = &m->t[k];

	figures_of(out, t->ph_bytes[ph], t->ph_ios[ph], t->ph_seconds[ph],
		   &t->ph_lat[ph]);
	out->errors = t->ph_errors[ph];
}

unsigned int dgen_monitor_phases(const struct dgen_monitor *m,
				 const struct dgen_monitor_phase **out)
{
	*out = m->phases;
	return m->nphases;
}

void dgen_monitor_set_unhealthy(struct dgen_monitor *m, unsigned int k)
{
	if (k < m->n)
		m->t[k].unhealthy = 1;
}

void dgen_monitor_verdicts(const struct dgen_monitor *m,
			   struct dgen_target_verdict *out)
{
	struct dgen_verdict_input *in = calloc(m->n ? m->n : 1, sizeof(*in));
	enum dgen_phase ph = DGEN_PHASE_WRITE;

	if (!in) {
		memset(out, 0, m->n * sizeof(*out));
		return;
	}
	/* A verify-only run has only reads to judge by. */
	for (unsigned int k = 0; k < m->n; k++)
		if (m->t[k].ph_bytes[DGEN_PHASE_WRITE])
			break;
		else if (k + 1 == m->n)
			ph = DGEN_PHASE_VERIFY;
	for (unsigned int k = 0; k < m->n; k++) {
		struct dgen_target_figures f;
		uint64_t errors = 0;

		dgen_monitor_figures(m, k, ph, &f);
		for (unsigned int i = 0; i < DGEN_PHASES; i++)
			errors += m->t[k].ph_errors[i];
		in[k] = (struct dgen_verdict_input) {
			.gbps = f.gbps, .p99_us = f.lat_p99_us,
			.kind = m->kinds[k], .valid = f.bytes > 0 && f.seconds > 0,
			.hung = m->t[k].hung, .unhealthy = m->t[k].unhealthy,
			.error = errors > 0,
		};
	}
	dgen_verdicts(in, m->n, m->series, &m->o.verdict_opts, out);
	free(in);
}

int dgen_monitor_hang(const struct dgen_monitor *m,
		      struct dgen_monitor_hang *out)
{
	if (m->hung && out)
		*out = m->hang;
	return m->hung;
}

const struct dgen_steady *dgen_monitor_steady(const struct dgen_monitor *m)
{
	return m->o.steady ? &m->steady : NULL;
}

const struct dgen_series *dgen_monitor_series(const struct dgen_monitor *m)
{
	return m->series;
}

double dgen_monitor_rate(const struct dgen_monitor *m, unsigned int k)
{
	return k < m->n ? m->t[k].rate : -1;
}

int dgen_monitor_slowest(const struct dgen_monitor *m)
{
	int best = -1;

	for (unsigned int k = 0; k < m->n; k++)
		if (m->t[k].active && m->t[k].rate >= 0 &&
		    (best < 0 || m->t[k].rate < m->t[best].rate))
			best = (int)k;
	return best;
}
