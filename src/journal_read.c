// SPDX-License-Identifier: MIT
/*
 * journal_read.c - rebuild from a crash journal what each target must hold
 *
 * The journal is read after a crash, by a tool that will be fuzzed, so
 * every line is checked against the format (doc/power-loss.md) before it
 * changes anything, and the first line that is not a record of this
 * version stops the read with a sentence naming it. One thing alone is
 * forgiven: the end of the file. The writer appends each record with its
 * newline in one write and syncs it before the run relies on it, so a
 * crash can leave at most the last line cut short (or, on some
 * filesystems, NUL bytes after it); such a tail never counted and is
 * ignored, and reported.
 *
 * Memory stays bounded by the runs' shape, not the file's length: the view
 * keeps the last run only (a new header starts over) and per target its
 * last two passes, whose durable ranges are coalesced as they grow.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dgen/journal.h>

#include "json_read.h"
#include "ranges.h"
#include "refuse.h"

#define TARGETS_MAX	65536u
#define PATH_LEN	4096u

/* A pass being read: the public record and the ranges behind it. */
struct pass_acc {
	struct dgen_journal_pass p;
	struct dgen_ranges r;
};

struct tstate {
	int declared;
	struct pass_acc last, prev;
};

struct reader {
	struct dgen_journal_view *v;
	struct tstate *ts;
	unsigned int declared;		/* targets declared in this run */
	struct json_doc d;
	uint64_t line;
	char *msg;
	size_t msglen;
};

__attribute__((format(printf, 2, 3)))
static int bad(struct reader *rd, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return dgen_refuse(-EINVAL, rd->msg, rd->msglen, "journal line %llu: %s",
			   (unsigned long long)rd->line, what);
}

static int get(struct reader *rd, uint32_t obj, const char *key, uint32_t *i)
{
	int64_t at = dgen_jread_get(&rd->d, obj, key);

	*i = 0;
	if (at < 0)
		return bad(rd, "no \"%s\"", key);
	*i = (uint32_t)at;
	return 0;
}

static int get_u64(struct reader *rd, uint32_t obj, const char *key,
		   uint64_t *v)
{
	uint32_t i;

	if (get(rd, obj, key, &i))
		return -EINVAL;
	if (dgen_jread_u64(&rd->d, i, v))
		return bad(rd, "\"%s\" is not an unsigned 64-bit integer", key);
	return 0;
}

static int get_double(struct reader *rd, uint32_t obj, const char *key,
		      double *v)
{
	uint32_t i;

	if (get(rd, obj, key, &i))
		return -EINVAL;
	if (dgen_jread_double(&rd->d, i, v))
		return bad(rd, "\"%s\" is not a number", key);
	return 0;
}

static int get_previous(struct reader *rd, uint32_t obj, const char *key,
			enum dgen_journal_previous *p)
{
	uint32_t i;

	*p = DGEN_JOURNAL_PREV_UNKNOWN;
	if (get(rd, obj, key, &i))
		return -EINVAL;
	for (unsigned int k = 0; k <= DGEN_JOURNAL_PREV_PASS; k++)
		if (dgen_jread_is(&rd->d, i, dgen_journal_previous_name(k))) {
			*p = k;
			return 0;
		}
	return bad(rd, "\"%s\" is not \"unknown\", \"zero\" or \"pass\"", key);
}

static void pass_free(struct pass_acc *a)
{
	dgen_ranges_free(&a->r);
	*a = (struct pass_acc) { 0 };
}

static void targets_free(struct dgen_journal_view *v, struct tstate *ts)
{
	for (unsigned int k = 0; k < v->ntargets; k++) {
		free(v->targets[k].path);
		if (ts) {
			pass_free(&ts[k].last);
			pass_free(&ts[k].prev);
		} else {
			free((void *)v->targets[k].last.durable);
			free((void *)v->targets[k].prev.durable);
		}
	}
	free(v->targets);
	v->targets = NULL;
	v->ntargets = 0;
}

/* A header: the run every following record belongs to. */
static int on_header(struct reader *rd)
{
	struct dgen_journal_view *v = rd->v;
	uint64_t cycle, format, n;
	uint32_t i;

	if (get(rd, 0, "journal", &i))
		return -EINVAL;
	if (!dgen_jread_is(&rd->d, i, "dgen-uring crash journal"))
		return bad(rd, "not a dgen-uring crash journal");
	if (get_u64(rd, 0, "cycle", &cycle) || get_u64(rd, 0, "time", &v->time) ||
	    get_u64(rd, 0, "stream_format", &format) ||
	    get_u64(rd, 0, "flush_every", &v->flush_every) ||
	    get_u64(rd, 0, "targets", &n) ||
	    get_previous(rd, 0, "initial", &v->initial) || get(rd, 0, "fua", &i))
		return -EINVAL;
	if (rd->d.t[i].type != JSON_TRUE && rd->d.t[i].type != JSON_FALSE)
		return bad(rd, "\"fua\" is not true or false");
	v->fua = rd->d.t[i].type == JSON_TRUE;
	if (!cycle || cycle <= v->cycle)
		return bad(rd, "cycle %llu does not follow cycle %llu",
			   (unsigned long long)cycle, (unsigned long long)v->cycle);
	if (format != DGEN_STREAM_FORMAT_VERSION)
		return bad(rd, "its streams are format %llu, this build generates format %u",
			   (unsigned long long)format, DGEN_STREAM_FORMAT_VERSION);
	if (v->initial == DGEN_JOURNAL_PREV_PASS)
		return bad(rd, "a run cannot begin on a pass of its own");
	if (!n || n > TARGETS_MAX)
		return bad(rd, "%llu targets (1 to %u)", (unsigned long long)n,
			   TARGETS_MAX);
	if (get(rd, 0, "tool", &i) ||
	    dgen_jread_string(&rd->d, i, v->tool, sizeof(v->tool)))
		return bad(rd, "\"tool\" is not a string of up to %zu bytes",
			   sizeof(v->tool) - 1);
	targets_free(v, rd->ts);
	free(rd->ts);
	rd->declared = 0;
	rd->ts = calloc(n, sizeof(*rd->ts));
	v->targets = calloc(n, sizeof(*v->targets));
	if (!rd->ts || !v->targets)
		return -ENOMEM;
	v->ntargets = (unsigned int)n;
	v->cycle = cycle;
	v->runs++;
	return 0;
}

/* The "stream" member of a target record into @t. */
static int on_stream(struct reader *rd, uint32_t s,
		     struct dgen_journal_target_view *t)
{
	struct dgen_stream_params *p = &t->stream;
	uint64_t unit;
	char why[256];

	dgen_stream_params_init(p);
	if (rd->d.t[s].type != JSON_OBJECT)
		return bad(rd, "\"stream\" is not an object");
	if (get_u64(rd, s, "seed", &p->seed) || get_u64(rd, s, "id", &p->stream_id) ||
	    get_u64(rd, s, "size", &p->size) ||
	    get_u64(rd, s, "origin", &t->stream_origin) ||
	    get_u64(rd, s, "dedup_unit", &unit) ||
	    get_double(rd, s, "dedup", &p->dedup_ratio) ||
	    get_double(rd, s, "compress", &p->compress_ratio) ||
	    get_u64(rd, s, "dedup_window", &p->dedup_window))
		return -EINVAL;
	if (unit > DGEN_UNIT_MAX)
		return bad(rd, "dedup unit %llu", (unsigned long long)unit);
	p->dedup_unit = (uint32_t)unit;
	if (dgen_stream_params_check(p, why, sizeof(why)))
		return bad(rd, "its stream: %s", why);
	if (t->stream_origin > p->size || t->stream_origin % p->dedup_unit ||
	    p->size - t->stream_origin < t->size)
		return bad(rd, "the stream (%llu bytes from origin %llu) does not cover the region of %llu bytes",
			   (unsigned long long)p->size,
			   (unsigned long long)t->stream_origin,
			   (unsigned long long)t->size);
	return 0;
}

/* A target: its path, region and stream. */
static int on_target(struct reader *rd)
{
	struct dgen_journal_target_view *t;
	uint64_t k, unit;
	uint32_t i;
	char *path;

	if (get_u64(rd, 0, "target", &k))
		return -EINVAL;
	if (k >= rd->v->ntargets || rd->ts[k].declared)
		return bad(rd, "target %llu is not one of the run's %u, or declared twice",
			   (unsigned long long)k, rd->v->ntargets);
	t = &rd->v->targets[k];
	if (get_u64(rd, 0, "offset", &t->offset) || get_u64(rd, 0, "size", &t->size) ||
	    get_u64(rd, 0, "unit", &unit) || get(rd, 0, "path", &i))
		return -EINVAL;
	if (!t->size || !unit || unit > UINT32_MAX || t->offset % DGEN_SECTOR_SIZE ||
	    t->size % DGEN_SECTOR_SIZE || unit % DGEN_SECTOR_SIZE ||
	    t->offset + t->size < t->offset)
		return bad(rd, "the region or unit is not in whole 512-byte sectors");
	t->unit = (uint32_t)unit;
	path = malloc(PATH_LEN);
	if (!path)
		return -ENOMEM;
	if (dgen_jread_string(&rd->d, i, path, PATH_LEN) || !path[0]) {
		free(path);
		return bad(rd, "\"path\" is not a path");
	}
	t->path = path;
	if (get(rd, 0, "stream", &i) || on_stream(rd, i, t))
		return -EINVAL;
	rd->ts[k].declared = 1;
	rd->declared++;
	return 0;
}

/* The target a pass, durable or end record names. */
static int record_target(struct reader *rd, uint64_t *k, uint64_t *pass)
{
	if (get_u64(rd, 0, "target", k) || get_u64(rd, 0, "pass", pass))
		return -EINVAL;
	if (rd->declared < rd->v->ntargets)
		return bad(rd, "a record before all %u targets are declared",
			   rd->v->ntargets);
	if (*k >= rd->v->ntargets)
		return bad(rd, "target %llu is not one of the run's %u",
			   (unsigned long long)*k, rd->v->ntargets);
	return 0;
}

static int on_pass(struct reader *rd)
{
	enum dgen_journal_previous prev = DGEN_JOURNAL_PREV_UNKNOWN;
	struct tstate *ts;
	uint64_t k, pass;

	if (record_target(rd, &k, &pass) || get_previous(rd, 0, "previous", &prev))
		return -EINVAL;
	ts = &rd->ts[k];
	if (!pass || pass <= ts->last.p.pass)
		return bad(rd, "pass %llu of target %llu does not follow pass %llu",
			   (unsigned long long)pass, (unsigned long long)k,
			   (unsigned long long)ts->last.p.pass);
	if (prev == DGEN_JOURNAL_PREV_PASS &&
	    (ts->last.p.pass != pass - 1 || !ts->last.p.ended))
		return bad(rd, "pass %llu of target %llu writes over pass %llu, which did not end",
			   (unsigned long long)pass, (unsigned long long)k,
			   (unsigned long long)(pass - 1));
	pass_free(&ts->prev);
	ts->prev = ts->last;
	ts->last = (struct pass_acc) { .p = { .pass = pass, .previous = prev } };
	rd->v->targets[k].passes++;
	return 0;
}

/* The pass a durable or end record adds to, which must be going on. */
static int current_pass(struct reader *rd, struct pass_acc **a, uint64_t *k)
{
	uint64_t pass;

	if (record_target(rd, k, &pass))
		return -EINVAL;
	*a = &rd->ts[*k].last;
	if (!pass || pass != (*a)->p.pass || (*a)->p.ended)
		return bad(rd, "pass %llu of target %llu is not going on",
			   (unsigned long long)pass, (unsigned long long)*k);
	return 0;
}

/* One [offset, length] pair of a durable record, checked and kept. */
static int on_range(struct reader *rd, uint32_t i,
		    const struct dgen_journal_target_view *t, struct pass_acc *a)
{
	uint64_t off, len;

	if (rd->d.t[i].type != JSON_ARRAY || rd->d.t[i].size != 2 ||
	    dgen_jread_u64(&rd->d, i + 1, &off) || dgen_jread_u64(&rd->d, i + 2, &len))
		return bad(rd, "a range that is not [offset, length]");
	if (!len || off < t->offset || off - t->offset > t->size ||
	    len > t->size - (off - t->offset))
		return bad(rd, "range [%llu, %llu] is outside the target's region",
			   (unsigned long long)off, (unsigned long long)len);
	if (off % DGEN_SECTOR_SIZE || len % DGEN_SECTOR_SIZE)
		return bad(rd, "range [%llu, %llu] is not in whole sectors",
			   (unsigned long long)off, (unsigned long long)len);
	if (dgen_ranges_push(&a->r, off, len))
		return -ENOMEM;
	if (a->r.n > 2 * a->r.merged + 1024)
		dgen_ranges_coalesce(&a->r);
	return 0;
}

static int on_durable(struct reader *rd)
{
	const struct dgen_journal_target_view *t;
	struct pass_acc *a;
	uint64_t k, flush, ns;
	uint32_t i, e;
	int r;

	if (current_pass(rd, &a, &k) || get_u64(rd, 0, "flush", &flush) ||
	    get_u64(rd, 0, "flush_ns", &ns) || get(rd, 0, "ranges", &i))
		return -EINVAL;
	t = &rd->v->targets[k];
	if (rd->d.t[i].type != JSON_ARRAY ||
	    rd->d.t[i].size > DGEN_JOURNAL_RANGES_PER_RECORD)
		return bad(rd, "\"ranges\" is not an array of up to %u ranges",
			   DGEN_JOURNAL_RANGES_PER_RECORD);
	e = i + 1;
	for (uint32_t m = 0; m < rd->d.t[i].size; m++) {
		r = on_range(rd, e, t, a);
		if (r)
			return r;
		e = rd->d.t[e].next;
	}
	a->p.flushes++;
	if (ns > a->p.flush_ns_max)
		a->p.flush_ns_max = ns;
	return 0;
}

static int on_end(struct reader *rd)
{
	struct pass_acc *a;
	uint64_t k;

	if (current_pass(rd, &a, &k))
		return -EINVAL;
	a->p.ended = 1;
	return 0;
}

/* One whole line (without its newline). */
static int on_line(struct reader *rd, const char *s, size_t len)
{
	static const struct {
		const char *type;
		int (*fn)(struct reader *);
	} types[] = {
		{ "header", on_header }, { "target", on_target },
		{ "pass", on_pass }, { "durable", on_durable }, { "end", on_end },
	};
	char why[160];
	uint64_t ver;
	uint32_t ti;
	int r;

	if (len > DGEN_JOURNAL_LINE_MAX)
		return bad(rd, "a line of %zu bytes (at most %u)", len,
			   DGEN_JOURNAL_LINE_MAX);
	r = dgen_jread_parse(&rd->d, s, len, why, sizeof(why));
	if (r)
		return r == -ENOMEM ? r : bad(rd, "not JSON: %s", why);
	if (rd->d.t[0].type != JSON_OBJECT)
		return bad(rd, "not a JSON object");
	if (get_u64(rd, 0, "v", &ver) || get(rd, 0, "type", &ti))
		return -EINVAL;
	if (ver != DGEN_JOURNAL_VERSION)
		return bad(rd, "a record of version %llu; this reader knows version %u",
			   (unsigned long long)ver, DGEN_JOURNAL_VERSION);
	if (!rd->v->ntargets && !dgen_jread_is(&rd->d, ti, "header"))
		return bad(rd, "a record before the journal's header");
	for (unsigned int k = 0; k < sizeof(types) / sizeof(types[0]); k++)
		if (dgen_jread_is(&rd->d, ti, types[k].type))
			return types[k].fn(rd);
	return bad(rd, "an unknown record type");
}

/* Hand each target's last two passes over to the view. */
static void finish(struct reader *rd)
{
	struct dgen_journal_view *v = rd->v;

	for (unsigned int k = 0; k < v->ntargets; k++) {
		struct pass_acc *acc[2] = { &rd->ts[k].last, &rd->ts[k].prev };
		struct dgen_journal_pass *out[2] = { &v->targets[k].last,
						     &v->targets[k].prev };

		for (int i = 0; i < 2; i++) {
			dgen_ranges_coalesce(&acc[i]->r);
			*out[i] = acc[i]->p;
			out[i]->durable = acc[i]->r.r;
			out[i]->ndurable = acc[i]->r.n;
			out[i]->durable_bytes = dgen_ranges_bytes(&acc[i]->r);
			acc[i]->r = (struct dgen_ranges) { 0 };
		}
	}
	free(rd->ts);
	rd->ts = NULL;
}

/*
 * Where the records end: the bytes after the last newline, or NUL bytes
 * up to the end, never counted (see the file's comment).
 */
static size_t good_end(const char *buf, size_t len)
{
	size_t end = len;

	while (end && buf[end - 1] == 0)
		end--;
	while (end && buf[end - 1] != '\n')
		end--;
	return end;
}

int dgen_journal_parse(struct dgen_journal_view **out, const char *buf,
		       size_t len, char *msg, size_t msglen)
{
	struct reader rd = { .msg = msg, .msglen = msglen };
	size_t at = 0, end = good_end(buf, len);
	int r = 0;

	rd.v = calloc(1, sizeof(*rd.v));
	if (!rd.v)
		return -ENOMEM;
	rd.v->version = DGEN_JOURNAL_VERSION;
	while (at < end && !r) {
		const char *nl = memchr(buf + at, '\n', end - at);
		size_t n = (size_t)(nl - (buf + at));

		rd.line++;
		r = on_line(&rd, buf + at, n);
		at += n + 1;
	}
	rd.v->lines = rd.line;
	rd.v->good_bytes = end;
	if (!r && end < len) {
		rd.v->torn_tail = 1;
		rd.v->torn_line = ++rd.v->lines;
	}
	if (!r && !rd.v->runs)
		r = dgen_refuse(-EINVAL, msg, msglen,
				"the journal holds no header: no run was recorded in it");
	dgen_jread_free(&rd.d);
	if (r) {
		targets_free(rd.v, rd.ts);
		free(rd.ts);
		free(rd.v);
		return r;
	}
	finish(&rd);
	*out = rd.v;
	return 0;
}

int dgen_journal_read(struct dgen_journal_view **out, const char *path,
		      char *msg, size_t msglen)
{
	struct stat st;
	void *map = NULL;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dgen_refuse(-errno, msg, msglen, "cannot open journal %s: %s",
				   path, strerror(errno));
	if (fstat(fd, &st)) {
		r = -errno;
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return dgen_refuse(-EINVAL, msg, msglen, "journal %s is not a file", path);
	}
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			r = -errno;
			close(fd);
			return dgen_refuse(r, msg, msglen, "cannot read journal %s: %s",
					   path, strerror(-r));
		}
	}
	close(fd);
	r = dgen_journal_parse(out, map ? map : "", map ? (size_t)st.st_size : 0,
			       msg, msglen);
	if (map)
		munmap(map, (size_t)st.st_size);
	return r;
}

void dgen_journal_view_free(struct dgen_journal_view *v)
{
	if (!v)
		return;
	targets_free(v, NULL);
	free(v);
}
