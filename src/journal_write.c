// SPDX-License-Identifier: MIT
/*
 * journal_write.c - append the crash journal's records, each durable
 * before the call returns
 *
 * Records are JSON lines (doc/power-loss.md). Each append builds its
 * lines in memory, writes them with one write(2) where it can (O_APPEND,
 * so a record never interleaves with another), and calls fdatasync(2)
 * before returning: a record counts only once it is durable, and a line
 * a crash cuts short is the last one, which the reader ignores. The
 * appends of several engine threads go one at a time under a lock; a
 * failed write or sync fails every later append (the run must stop: it
 * can no longer prove what it made durable).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dgen/journal.h>
#include <dgen/report.h>

#include "json_read.h"
#include "ranges.h"
#include "refuse.h"

/* The header's "journal" member: what the file is, for a human with less. */
#define JOURNAL_MAGIC	"dgen-uring crash journal"

struct jtarget {
	uint64_t offset, size;
	uint64_t pass;			/* the last pass begun; 0: none */
	int ended;
	uint64_t records;		/* durable records of the pass */
	struct dgen_ranges durable;	/* what they named, while it fits */
	int overflow;			/* more than DGEN_JOURNAL_KEEP_MAX
					   ranges: only bytes are counted */
	uint64_t durable_bytes;
};

struct dgen_journal {
	int fd;
	pthread_mutex_t lock;
	pthread_mutex_t flush_lock;	/* dgen_journal_flushed: the tracker's
					   ranges stay valid until appended */
	int error;			/* sticky: the first failed append */
	uint64_t cycle;
	unsigned int n;
	struct jtarget *t;
	char *buf;			/* the lines being built */
	size_t len, cap;
};

const char *dgen_journal_previous_name(enum dgen_journal_previous p)
{
	switch (p) {
	case DGEN_JOURNAL_PREV_UNKNOWN:
		return "unknown";
	case DGEN_JOURNAL_PREV_ZERO:
		return "zero";
	case DGEN_JOURNAL_PREV_PASS:
		return "pass";
	default:
		return NULL;
	}
}

/* Append formatted text to the lines being built. */
__attribute__((format(printf, 2, 3)))
static int put(struct dgen_journal *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(j->buf + j->len, j->cap - j->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -EINVAL;
		if ((size_t)n < j->cap - j->len)
			break;
		size_t cap = (j->cap + (size_t)n + 1) * 2;
		char *b = realloc(j->buf, cap);

		if (!b)
			return -ENOMEM;
		j->buf = b;
		j->cap = cap;
	}
	j->len += (size_t)n;
	return 0;
}

/* Append @s as a JSON string (escaped as every report escapes it). */
static int put_string(struct dgen_journal *j, const char *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	int r;

	if (!m)
		return -ENOMEM;
	r = dgen_json_string(m, s);
	if (fclose(m) && !r)
		r = -ENOMEM;
	if (!r)
		r = put(j, "%s", text);
	free(text);
	return r;
}

/* Write the lines built so far and make them durable. Under the lock. */
static int commit(struct dgen_journal *j)
{
	size_t done = 0;
	int r = 0;

	if (j->error)
		return j->error;
	while (done < j->len) {
		ssize_t w = write(j->fd, j->buf + done, j->len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r = w < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)w;
	}
	while (!r && fdatasync(j->fd) < 0)
		if (errno != EINTR)
			r = -errno;
	j->len = 0;
	if (r)
		j->error = r;
	return r;
}

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

/* The header line: what the run is, before any of its targets. */
static int put_header(struct dgen_journal *j, const struct dgen_journal_run *run)
{
	int r = put(j, "{\"v\": %u, \"type\": \"header\", \"journal\": \"%s\", \"cycle\": %" PRIu64 ", \"tool\": ",
		    DGEN_JOURNAL_VERSION, JOURNAL_MAGIC, j->cycle);

	r = r ? r : put_string(j, run->tool ? run->tool : "libdgen");
	r = r ? r : put(j, ", \"time\": %" PRIu64 ", \"stream_format\": %u, \"initial\": \"%s\", \"flush_every\": %" PRIu64 ", \"fua\": %s, \"targets\": %u",
			now_s(), DGEN_STREAM_FORMAT_VERSION,
			dgen_journal_previous_name(run->initial), run->flush_every,
			run->fua ? "true" : "false", run->ntargets);
	if (!r && run->options)
		r = put(j, ", \"options\": %s", run->options);
	return r ? r : put(j, "}\n");
}

/* One target's line: its region and the stream that pass 1 writes there. */
static int put_target(struct dgen_journal *j, unsigned int k,
		      const struct dgen_journal_target *t, uint64_t window)
{
	const struct dgen_stream_params *p = &t->stream;
	int r = put(j, "{\"v\": %u, \"type\": \"target\", \"target\": %u, \"path\": ",
		    DGEN_JOURNAL_VERSION, k);

	r = r ? r : put_string(j, t->path);
	return r ? r : put(j, ", \"offset\": %" PRIu64 ", \"size\": %" PRIu64 ", \"unit\": %u, \"stream\": {\"seed\": %" PRIu64 ", \"id\": %" PRIu64 ", \"size\": %" PRIu64 ", \"origin\": %" PRIu64 ", \"dedup_unit\": %u, \"dedup\": %.17g, \"compress\": %.17g, \"dedup_window\": %" PRIu64 "}}\n",
			   t->offset, t->size, t->unit, p->seed, p->stream_id,
			   p->size, t->stream_origin, p->dedup_unit,
			   p->dedup_ratio, p->compress_ratio, window);
}

/*
 * The target's stream must exist (its parameters valid) and cover the
 * region; regions, units and origins are whole sectors, as O_DIRECT
 * needs. Sets *@window to the stream's effective dedup window, so the
 * journal names it whatever the defaults become.
 */
static int target_check(const struct dgen_journal_target *t, unsigned int k,
			uint64_t *window, char *msg, size_t msglen)
{
	struct dgen_stream_layout l;
	struct dgen_stream *s;
	char why[256] = "";
	int r;

	if (!t->path || !t->size || !t->unit || t->offset % DGEN_SECTOR_SIZE ||
	    t->size % DGEN_SECTOR_SIZE || t->unit % DGEN_SECTOR_SIZE ||
	    t->offset + t->size < t->offset)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "journal target %u: a path, and an offset, size and unit in whole 512-byte sectors are needed", k);
	if (dgen_stream_params_format(&t->stream) != DGEN_STREAM_FORMAT_VERSION)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "journal target %u: a compress mix or skewed copies (stream format %u) are not journaled yet; the journal records format %u streams",
				   k, DGEN_STREAM_FORMAT_V3, DGEN_STREAM_FORMAT_VERSION);
	r = dgen_stream_view_new(&s, &t->stream, t->stream_origin, why, sizeof(why));
	if (r)
		return dgen_refuse(r, msg, msglen, "journal target %u: %s", k, why);
	dgen_stream_layout_get(s, &l);
	dgen_stream_free(s);
	if (t->stream.size - t->stream_origin < t->size)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "journal target %u: the stream holds %llu bytes from its origin, the region %llu",
				   k, (unsigned long long)(t->stream.size - t->stream_origin),
				   (unsigned long long)t->size);
	*window = l.dedup_window;
	return 0;
}

/* The run's parameters, before anything is made. */
static int run_check(const char *path, const struct dgen_journal_run *run,
		     char *msg, size_t msglen)
{
	struct json_doc d = { 0 };
	char why[160];
	int r = 0;

	if (!run->ntargets || !run->targets ||
	    run->initial == DGEN_JOURNAL_PREV_PASS ||
	    !dgen_journal_previous_name(run->initial))
		return dgen_refuse(-EINVAL, msg, msglen,
				   "a journal needs targets, and pass 1 writes over unknown content or zeros");
	if (run->options) {
		r = dgen_jread_parse(&d, run->options, strlen(run->options), why, sizeof(why));
		if (!r && d.t[0].type != JSON_OBJECT)
			r = dgen_refuse(-EINVAL, why, sizeof(why), "not an object");
		dgen_jread_free(&d);
		if (r)
			return dgen_refuse(-EINVAL, msg, msglen,
					   "the journal's options are not a JSON object: %s", why);
		if (strchr(run->options, '\n'))
			return dgen_refuse(-EINVAL, msg, msglen,
					   "the journal's options span lines");
	}
	for (unsigned int k = 0; k < run->ntargets; k++) {
		r = dgen_journal_check_device(path, run->targets[k].path, msg, msglen);
		if (r)
			return r;
	}
	return 0;
}

/*
 * Open the file: made new (and its directory synced, so the file itself
 * survives a crash), or, continuing a power-cycle loop, read back for its
 * cycle number with a torn last line cut off.
 */
static int journal_file(struct dgen_journal *j, const char *path,
			unsigned int flags, char *msg, size_t msglen)
{
	struct dgen_journal_view *v = NULL;
	struct stat st;
	char dir[4096], *slash;
	int dfd, r;

	j->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (j->fd < 0)
		return dgen_refuse(-errno, msg, msglen, "cannot open journal %s: %s",
				   path, strerror(errno));
	if (fstat(j->fd, &st))
		return -errno;
	j->cycle = 1;
	if (st.st_size > 0) {
		if (!(flags & DGEN_JOURNAL_CYCLE))
			return dgen_refuse(-EEXIST, msg, msglen,
					   "journal %s exists: remove it, or continue it as the next cycle", path);
		r = dgen_journal_read(&v, path, msg, msglen);
		if (r)
			return r == -EINVAL ? r : dgen_refuse(r, msg, msglen,
							      "cannot read journal %s: %s", path, strerror(-r));
		j->cycle = v->cycle + 1;
		r = v->torn_tail && ftruncate(j->fd, (off_t)v->good_bytes) ? -errno : 0;
		dgen_journal_view_free(v);
		return r ? dgen_refuse(r, msg, msglen, "cannot cut the torn line off journal %s: %s",
				       path, strerror(-r)) : 0;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = 0;
	else if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof(dir), ".");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int dgen_journal_open(struct dgen_journal **out, const char *path,
		      const struct dgen_journal_run *run, unsigned int flags,
		      char *msg, size_t msglen)
{
	struct dgen_journal *j;
	uint64_t *window = NULL;
	int r = run_check(path, run, msg, msglen);

	if (r)
		return r;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->fd = -1;
	pthread_mutex_init(&j->lock, NULL);
	pthread_mutex_init(&j->flush_lock, NULL);
	j->n = run->ntargets;
	j->t = calloc(j->n, sizeof(*j->t));
	window = calloc(j->n, sizeof(*window));
	r = -ENOMEM;
	if (!j->t || !window)
		goto err;
	for (unsigned int k = 0; k < j->n; k++) {
		r = target_check(&run->targets[k], k, &window[k], msg, msglen);
		if (r)
			goto err;
		j->t[k].offset = run->targets[k].offset;
		j->t[k].size = run->targets[k].size;
	}
	r = journal_file(j, path, flags, msg, msglen);
	if (r)
		goto err;
	r = put_header(j, run);
	for (unsigned int k = 0; k < j->n && !r; k++)
		r = put_target(j, k, &run->targets[k], window[k]);
	r = r ? r : commit(j);
	if (r) {
		dgen_refuse(r, msg, msglen, "cannot write journal %s: %s", path,
			    strerror(-r));
		goto err;
	}
	free(window);
	*out = j;
	return 0;
err:
	free(window);
	dgen_journal_close(j);
	return r;
}

int dgen_journal_durable_get(struct dgen_journal *j, unsigned int k,
			     const struct dgen_range **r, size_t *n,
			     uint64_t *bytes)
{
	struct jtarget *t;
	int e = 0;

	if (k >= j->n)
		return -EINVAL;
	t = &j->t[k];
	pthread_mutex_lock(&j->lock);
	if (t->overflow) {
		*bytes = t->durable_bytes;
		*r = NULL;
		*n = 0;
		e = -E2BIG;
	} else {
		dgen_ranges_coalesce(&t->durable);
		*bytes = dgen_ranges_bytes(&t->durable);
		*r = t->durable.r;
		*n = t->durable.n;
	}
	pthread_mutex_unlock(&j->lock);
	return e;
}

uint64_t dgen_journal_cycle(const struct dgen_journal *j)
{
	return j->cycle;
}

int dgen_journal_pass_begin(struct dgen_journal *j, unsigned int k,
			    uint64_t pass, enum dgen_journal_previous prev)
{
	struct jtarget *t;
	int r;

	if (k >= j->n || !dgen_journal_previous_name(prev))
		return -EINVAL;
	t = &j->t[k];
	pthread_mutex_lock(&j->lock);
	r = -EINVAL;
	if (pass <= t->pass ||
	    (prev == DGEN_JOURNAL_PREV_PASS &&
	     (pass < 2 || t->pass != pass - 1 || !t->ended)))
		goto out;
	r = put(j, "{\"v\": %u, \"type\": \"pass\", \"target\": %u, \"pass\": %" PRIu64 ", \"previous\": \"%s\", \"time\": %" PRIu64 "}\n",
		DGEN_JOURNAL_VERSION, k, pass, dgen_journal_previous_name(prev),
		now_s());
	r = r ? r : commit(j);
	if (!r) {
		t->pass = pass;
		t->ended = 0;
		t->records = 0;
		dgen_ranges_clear(&t->durable);
		t->overflow = 0;
		t->durable_bytes = 0;
	}
out:
	j->len = 0;
	pthread_mutex_unlock(&j->lock);
	return r;
}

/* One durable record of ranges @r[0, @n). Under the lock. */
static int put_durable(struct dgen_journal *j, unsigned int k,
		       const struct dgen_range *r, size_t n, uint64_t flush_ns)
{
	struct jtarget *t = &j->t[k];
	int e = put(j, "{\"v\": %u, \"type\": \"durable\", \"target\": %u, \"pass\": %" PRIu64 ", \"flush\": %" PRIu64 ", \"flush_ns\": %" PRIu64 ", \"ranges\": [",
		    DGEN_JOURNAL_VERSION, k, t->pass, ++t->records, flush_ns);

	for (size_t i = 0; i < n && !e; i++)
		e = put(j, "%s[%" PRIu64 ", %" PRIu64 "]", i ? ", " : "",
			r[i].offset, r[i].length);
	return e ? e : put(j, "]}\n");
}

/* Give up @t's set: from now on only its bytes are counted. */
static void drop(struct jtarget *t)
{
	dgen_ranges_coalesce(&t->durable);
	t->durable_bytes = dgen_ranges_bytes(&t->durable);
	dgen_ranges_free(&t->durable);
	t->overflow = 1;
}

/*
 * Add ranges now durable to @t's set, coalescing it when it has doubled;
 * past DGEN_JOURNAL_KEEP_MAX ranges (random writes of small units over a
 * large target) it is dropped and only the bytes are counted, so memory
 * stays bounded whatever the run. Under the lock.
 */
static void keep(struct jtarget *t, const struct dgen_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!t->overflow &&
		    dgen_ranges_push(&t->durable, r[i].offset, r[i].length))
			drop(t);
		if (t->overflow) {
			t->durable_bytes += r[i].length;
			continue;
		}
		if (t->durable.n > 2 * t->durable.merged + 1024)
			dgen_ranges_coalesce(&t->durable);
		if (t->durable.n > DGEN_JOURNAL_KEEP_MAX)
			drop(t);
	}
}

int dgen_journal_durable(struct dgen_journal *j, unsigned int k,
			 uint64_t pass, const struct dgen_range *r, size_t n,
			 uint64_t flush_ns)
{
	struct jtarget *t;
	int e = 0;

	if (k >= j->n)
		return -EINVAL;
	t = &j->t[k];
	for (size_t i = 0; i < n; i++)
		if (!r[i].length || r[i].offset < t->offset ||
		    r[i].offset - t->offset > t->size ||
		    r[i].length > t->size - (r[i].offset - t->offset) ||
		    r[i].offset % DGEN_SECTOR_SIZE || r[i].length % DGEN_SECTOR_SIZE)
			return -EINVAL;
	if (!n)
		return 0;
	pthread_mutex_lock(&j->lock);
	if (pass != t->pass || t->ended) {
		e = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < n && !e; i += DGEN_JOURNAL_RANGES_PER_RECORD)
		e = put_durable(j, k, r + i,
				n - i < DGEN_JOURNAL_RANGES_PER_RECORD ?
				n - i : DGEN_JOURNAL_RANGES_PER_RECORD, flush_ns);
	e = e ? e : commit(j);
	if (!e)
		keep(t, r, n);
out:
	j->len = 0;
	pthread_mutex_unlock(&j->lock);
	return e;
}

int dgen_journal_flushed(struct dgen_journal *j, struct dgen_acked *a,
			 unsigned int k, uint64_t pass, uint64_t ticket,
			 uint64_t flush_ns)
{
	const struct dgen_range *r;
	size_t n;
	int e;

	/* The ranges are valid until the next dgen_acked_flushed of @k:
	 * flushes completing on several engine threads at once take turns. */
	pthread_mutex_lock(&j->flush_lock);
	e = dgen_acked_flushed(a, k, ticket, flush_ns, &r, &n);
	if (!e)
		e = dgen_journal_durable(j, k, pass, r, n, flush_ns);
	pthread_mutex_unlock(&j->flush_lock);
	return e;
}

int dgen_journal_pass_end(struct dgen_journal *j, unsigned int k,
			  uint64_t pass)
{
	struct jtarget *t;
	int r;

	if (k >= j->n)
		return -EINVAL;
	t = &j->t[k];
	pthread_mutex_lock(&j->lock);
	r = -EINVAL;
	if (pass != t->pass || t->ended)
		goto out;
	r = put(j, "{\"v\": %u, \"type\": \"end\", \"target\": %u, \"pass\": %" PRIu64 ", \"time\": %" PRIu64 "}\n",
		DGEN_JOURNAL_VERSION, k, pass, now_s());
	r = r ? r : commit(j);
	if (!r)
		t->ended = 1;
out:
	j->len = 0;
	pthread_mutex_unlock(&j->lock);
	return r;
}

void dgen_journal_close(struct dgen_journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	pthread_mutex_destroy(&j->lock);
	pthread_mutex_destroy(&j->flush_lock);
	for (unsigned int k = 0; j->t && k < j->n; k++)
		dgen_ranges_free(&j->t[k].durable);
	free(j->t);
	free(j->buf);
	free(j);
}
