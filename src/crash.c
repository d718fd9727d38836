// SPDX-License-Identifier: MIT
/*
 * crash.c - class every block of a target after a crash, from its journal
 *
 * The region is read 1 MiB at a time and each chunk compared with pass
 * p's stream in one memcmp (the common case after a clean flush: all
 * new). A block that differs is walked sector by sector: a sector is new,
 * old (the previous pass's stream where the journal says it was durable,
 * or zeros), corrupt (neither, where the old content is known) or unknown
 * (neither, where it is not), and durable or not by the journal's ranges
 * of pass p; the block's class follows (dgen/crash.h). Sectors are the
 * 512-byte unit a drive tears or loses. Write units are followed too, so
 * a unit the device promised atomic that holds new and old sectors is
 * counted, even when each block in it is whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dgen/crash.h>
#include <dgen/nvme.h>

#include "refuse.h"

#define CHUNK		(1u << 20)
#define SECTOR		DGEN_SECTOR_SIZE
#define MAP_WORDS	DGEN_BLOCK_SECTOR_WORDS

/* A cursor over a coalesced ascending list of ranges, moved forward only. */
struct cursor {
	const struct dgen_range *r;
	size_t n, i;
};

/* Does [a, a + len) touch the list? (a never decreases between calls) */
static int cursor_overlaps(struct cursor *c, uint64_t a, uint64_t len)
{
	while (c->i < c->n && c->r[c->i].offset + c->r[c->i].length <= a)
		c->i++;
	return c->i < c->n && c->r[c->i].offset < a + len;
}

/* Is the sector at @a inside the list? (ranges are whole sectors) */
static int cursor_holds(struct cursor *c, uint64_t a)
{
	return cursor_overlaps(c, a, 1) && c->r[c->i].offset <= a;
}

/* Write units: which held new sectors and which old ones. */
struct units {
	uint64_t base;			/* the region's first byte */
	uint32_t unit;
	uint64_t cur;			/* the unit being followed */
	unsigned int seen;		/* 1: a new sector, 2: another */
	uint64_t torn;
};

static void unit_close(struct units *u)
{
	if (u->seen == 3)
		u->torn++;
	u->seen = 0;
}

/* Note sectors [a, a + len) as new (1) or not (2); calls come in order. */
static void unit_note(struct units *u, uint64_t a, uint64_t len,
		      unsigned int what)
{
	uint64_t first = (a - u->base) / u->unit;
	uint64_t last = (a + len - 1 - u->base) / u->unit;

	if (first != u->cur) {
		unit_close(u);
		u->cur = first;
	}
	u->seen |= what;
	if (last != first) {
		unit_close(u);
		u->cur = last;
		u->seen = what;
	}
}

struct check {
	const struct dgen_journal_target_view *t;
	const struct dgen_crash_opts *o;
	struct dgen_crash_result *res;
	const struct dgen_stream *news, *olds;
	struct cursor durable, known;	/* pass p's durable ranges; pass p-1's */
	struct units units;
	struct dgen_mismatch_keep *keep;
	unsigned int k;
	uint8_t *oldbuf;		/* one block of the old stream */
};

static int all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

/* Sector masks of one block. */
struct masks {
	uint64_t dur[MAP_WORDS], neu[MAP_WORDS], old[MAP_WORDS];
	uint64_t bad[MAP_WORDS], unk[MAP_WORDS];
	unsigned int any_dur, any_new, any_old, any_bad, any_unk, sectors;
};

static void set(uint64_t *m, unsigned int s)
{
	m[s / 64] |= 1ull << (s % 64);
}

/*
 * Each sector of the block at region offset @pos (target byte @a) of
 * @bl bytes: durable or not, and new, old, corrupt or unknown.
 */
static void sector_masks(struct check *c, const uint8_t *got,
			 const uint8_t *want, uint64_t pos, uint64_t a,
			 uint32_t bl, struct masks *m)
{
	enum dgen_journal_previous prev = c->t->last.previous;
	int have_old = 0;

	memset(m, 0, sizeof(*m));
	m->sectors = (bl + SECTOR - 1) / SECTOR;
	for (unsigned int s = 0; s < m->sectors; s++) {
		uint32_t off = s * SECTOR, sl = bl - off < SECTOR ? bl - off : SECTOR;
		const uint8_t *g = got + off;

		if (cursor_holds(&c->durable, a + off))
			set(m->dur, s), m->any_dur = 1;
		if (!memcmp(g, want + off, sl)) {
			set(m->neu, s), m->any_new = 1;
			unit_note(&c->units, a + off, sl, 1);
			continue;
		}
		unit_note(&c->units, a + off, sl, 2);
		if (prev == DGEN_JOURNAL_PREV_PASS && !have_old) {
			dgen_stream_fill(c->olds, c->oldbuf, pos, bl);
			have_old = 1;
		}
		if ((prev == DGEN_JOURNAL_PREV_ZERO && all_zero(g, sl)) ||
		    (prev == DGEN_JOURNAL_PREV_PASS && !memcmp(g, c->oldbuf + off, sl)))
			set(m->old, s), m->any_old = 1;
		else if (prev == DGEN_JOURNAL_PREV_ZERO ||
			 (prev == DGEN_JOURNAL_PREV_PASS &&
			  cursor_holds(&c->known, a + off)))
			set(m->bad, s), m->any_bad = 1;
		else
			set(m->unk, s), m->any_unk = 1;
	}
}

/* The block's class from its sector masks; its map of bad sectors. */
static enum dgen_crash_class block_class(const struct masks *m, uint64_t *map)
{
	uint64_t lost = 0;

	for (unsigned int w = 0; w < MAP_WORDS; w++) {
		map[w] = m->dur[w] & ~m->neu[w];
		lost |= map[w];
	}
	if (lost)
		return DGEN_CRASH_LOST;
	if (m->any_bad) {
		memcpy(map, m->bad, sizeof(m->bad));
		return DGEN_CRASH_CORRUPT;
	}
	if (m->any_new && (m->any_old || m->any_unk)) {
		for (unsigned int w = 0; w < MAP_WORDS; w++)
			map[w] = m->old[w] | m->unk[w];
		return DGEN_CRASH_TORN;
	}
	if (m->any_new)
		return DGEN_CRASH_NEW;
	return m->any_unk ? DGEN_CRASH_UNKNOWN : DGEN_CRASH_OLD;
}

/* What a lost block holds: zeros, only new and old sectors, or else. */
static enum dgen_mismatch_kind lost_kind(const uint8_t *got, uint32_t bl,
					 const struct masks *m)
{
	if (all_zero(got, bl))
		return DGEN_MISMATCH_ZEROED;
	if (!m->any_bad && !m->any_unk && m->any_old)
		return DGEN_MISMATCH_STALE;
	return DGEN_MISMATCH_FOREIGN;
}

/* A block that differs from the new stream: class it, count it, keep it. */
static enum dgen_crash_class slow_block(struct check *c, const uint8_t *got,
					const uint8_t *want, uint64_t pos,
					uint64_t a, uint32_t bl)
{
	static const enum dgen_mismatch_kind kind[DGEN_CRASH_CLASSES] = {
		[DGEN_CRASH_LOST] = DGEN_MISMATCH_LOST,
		[DGEN_CRASH_CORRUPT] = DGEN_MISMATCH_CORRUPT,
		[DGEN_CRASH_TORN] = DGEN_MISMATCH_TORN,
	};
	struct dgen_verify_mismatch rec;
	struct masks m;
	enum dgen_crash_class cl;

	sector_masks(c, got, want, pos, a, bl, &m);
	memset(&rec, 0, sizeof(rec));
	cl = block_class(&m, rec.sector_map);
	if (cl == DGEN_CRASH_LOST)
		c->res->lost_held[lost_kind(got, bl, &m)]++;
	if (cl != DGEN_CRASH_LOST && cl != DGEN_CRASH_CORRUPT &&
	    cl != DGEN_CRASH_TORN)
		return cl;
	rec.target = c->k;
	rec.kind = kind[cl];
	rec.offset = a;
	rec.len = bl;
	for (unsigned int w = 0; w < MAP_WORDS; w++)
		rec.bad_sectors += (uint32_t)__builtin_popcountll(rec.sector_map[w]);
	c->res->bad_sectors += rec.bad_sectors;
	dgen_mismatch_keep_add(c->keep, &rec);
	return cl;
}

/* Judge the chunk read at region offset @pos, @n bytes. */
static int judge_chunk(struct check *c, const uint8_t *got, const uint8_t *want,
		       uint64_t pos, uint32_t n)
{
	const uint32_t B = c->res->block;

	for (uint32_t b = 0; b < n; b += B) {
		uint32_t bl = n - b < B ? n - b : B;
		uint64_t a = c->t->offset + pos + b;
		int dur = cursor_overlaps(&c->durable, a, bl);
		enum dgen_crash_class cl;

		if (!memcmp(got + b, want + b, bl)) {
			cl = DGEN_CRASH_NEW;
			unit_note(&c->units, a, bl, 1);
		} else {
			cl = slow_block(c, got + b, want + b, pos + b, a, bl);
		}
		c->res->counts[cl]++;
		if (c->o->block && c->o->block(a, bl, cl, dur, c->o->arg))
			return -ECANCELED;
	}
	return 0;
}

/*
 * Open the target to read: O_DIRECT when it takes it, else through the
 * page cache; an NVMe generic device as its block device, whose path
 * replaces *@path (kept in @blk).
 */
static int open_target(const char **path, char *blk, size_t len, int *direct)
{
	int fd;

	if (!dgen_nvme_generic_block(*path, blk, len))
		*path = blk;
	fd = open(*path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	*direct = fd >= 0;
	if (fd < 0 && errno == EINVAL)
		fd = open(*path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Read @n bytes at @off whole. 0, -ENOSPC at the end, or -errno. */
static int read_full(int fd, uint8_t *buf, uint32_t n, uint64_t off)
{
	uint32_t done = 0;

	while (done < n) {
		ssize_t r = pread(fd, buf + done, n - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ENOSPC;
		done += (uint32_t)r;
	}
	return 0;
}

/* Make pass @pass's stream of @t (a view at the target's origin). */
static int pass_stream(const struct dgen_journal_target_view *t, uint64_t pass,
		       struct dgen_stream **out, char *msg, size_t msglen)
{
	struct dgen_stream_params p = t->stream;

	p.seed = dgen_pass_seed(t->stream.seed, pass);
	return dgen_stream_view_new(out, &p, t->stream_origin, msg, msglen);
}

/* Read and judge the whole region through @fd, which it closes. */
static int check_region(struct check *c, int fd, int direct, const char *path,
			char *msg, size_t msglen)
{
	const struct dgen_journal_target_view *t = c->t;
	uint8_t *got = NULL, *want = NULL;
	int r = -ENOMEM;

	if (posix_memalign((void **)&got, 4096, CHUNK) ||
	    posix_memalign((void **)&want, 64, CHUNK))
		goto out;
	for (uint64_t pos = 0; pos < t->size; pos += CHUNK) {
		uint32_t n = t->size - pos < CHUNK ? (uint32_t)(t->size - pos) : CHUNK;

		r = read_full(fd, got, n, t->offset + pos);
		if (r == -EINVAL && direct) {
			/* O_DIRECT refused at read time (some filesystems):
			 * the page cache then, as the file is not open for
			 * writing by anyone who counts. */
			close(fd);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			direct = 0;
			r = fd < 0 ? -errno : read_full(fd, got, n, t->offset + pos);
		}
		if (r == -ENOSPC) {
			r = dgen_refuse(r, msg, msglen, "%s ends before %llu, inside its region",
					path, (unsigned long long)(t->offset + t->size));
			goto out;
		}
		if (r) {
			r = dgen_refuse(-EIO, msg, msglen,
					"reading %s at offset %llu failed: %s", path,
					(unsigned long long)(t->offset + pos), strerror(-r));
			goto out;
		}
		dgen_stream_fill(c->news, want, pos, n);
		r = judge_chunk(c, got, want, pos, n);
		if (r) {
			dgen_refuse(r, msg, msglen, "the check of %s was stopped", path);
			goto out;
		}
		c->res->region_bytes += n;
	}
	unit_close(&c->units);
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	free(got);
	free(want);
	return r;
}

void dgen_crash_opts_init(struct dgen_crash_opts *o)
{
	*o = (struct dgen_crash_opts) { .max_report = DGEN_MAX_REPORT_DEFAULT };
}

const char *dgen_crash_class_name(enum dgen_crash_class c)
{
	static const char *const names[DGEN_CRASH_CLASSES] = {
		"new", "old", "unknown", "torn", "lost", "corrupt",
	};

	return (unsigned int)c < DGEN_CRASH_CLASSES ? names[c] : NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The bad blocks kept, copied out of the keeper into @res. */
static int keep_out(struct check *c)
{
	const struct dgen_verify_mismatch *list;
	unsigned int n = dgen_mismatch_keep_sorted(c->keep, &list);

	if (!n)
		return 0;
	c->res->list = malloc(n * sizeof(*list));
	if (!c->res->list)
		return -ENOMEM;
	memcpy(c->res->list, list, n * sizeof(*list));
	c->res->reported = n;
	return 0;
}

int dgen_crash_check(const struct dgen_journal_view *v, unsigned int k,
		     const struct dgen_crash_opts *o,
		     struct dgen_crash_result *res, char *msg, size_t msglen)
{
	const struct dgen_journal_target_view *t;
	struct dgen_stream *news = NULL, *olds = NULL;
	struct dgen_crash_opts def;
	struct check c = { .res = res, .k = k };
	double t0 = now_s();
	const char *path;
	char blk[256];
	int fd, direct, r;

	if (!o) {
		dgen_crash_opts_init(&def);
		o = &def;
	}
	c.o = o;
	memset(res, 0, sizeof(*res));
	if (k >= v->ntargets)
		return dgen_refuse(-EINVAL, msg, msglen, "the journal has no target %u", k);
	t = c.t = &v->targets[k];
	res->pass = t->last.pass;
	res->previous = t->last.previous;
	res->block = t->stream.dedup_unit;
	res->durable_bytes = t->last.durable_bytes;
	if (!t->last.pass)
		return 0;
	path = o->path ? o->path : t->path;
	r = pass_stream(t, t->last.pass, &news, msg, msglen);
	if (!r && t->last.previous == DGEN_JOURNAL_PREV_PASS)
		r = pass_stream(t, t->last.pass - 1, &olds, msg, msglen);
	if (!r)
		r = dgen_mismatch_keep_new(&c.keep, o->max_report);
	c.oldbuf = r ? NULL : malloc(res->block);
	if (!r && !c.oldbuf)
		r = -ENOMEM;
	if (r)
		goto out;
	c.news = news;
	c.olds = olds;
	c.durable = (struct cursor) { t->last.durable, t->last.ndurable, 0 };
	if (t->prev.pass == t->last.pass - 1)
		c.known = (struct cursor) { t->prev.durable, t->prev.ndurable, 0 };
	c.units = (struct units) { .base = t->offset, .unit = t->unit,
				   .cur = UINT64_MAX };
	fd = open_target(&path, blk, sizeof(blk), &direct);
	if (fd < 0) {
		r = dgen_refuse(fd, msg, msglen, "cannot open %s to read: %s", path,
				strerror(-fd));
		goto out;
	}
	r = check_region(&c, fd, direct, path, msg, msglen);
	if (!r)
		r = keep_out(&c);
	res->torn_units = c.units.torn;
	if (o->atomic_bytes && t->unit <= o->atomic_bytes)
		res->torn_atomic = c.units.torn;
out:
	res->seconds = now_s() - t0;
	dgen_mismatch_keep_free(c.keep);
	free(c.oldbuf);
	dgen_stream_free(news);
	dgen_stream_free(olds);
	return r;
}

void dgen_crash_result_free(struct dgen_crash_result *res)
{
	free(res->list);
	res->list = NULL;
	res->reported = 0;
}

enum dgen_crash_verdict dgen_crash_verdict(const struct dgen_crash_result *res,
					   int fail_on_torn)
{
	if (res->counts[DGEN_CRASH_LOST])
		return DGEN_CRASH_VERDICT_LOST;
	if (res->counts[DGEN_CRASH_CORRUPT])
		return DGEN_CRASH_VERDICT_CORRUPT;
	if (fail_on_torn && res->torn_atomic)
		return DGEN_CRASH_VERDICT_TORN;
	return DGEN_CRASH_VERDICT_OK;
}

const char *dgen_crash_verdict_name(enum dgen_crash_verdict v)
{
	switch (v) {
	case DGEN_CRASH_VERDICT_LOST:
		return "lost-flushed";
	case DGEN_CRASH_VERDICT_CORRUPT:
		return "corrupt";
	case DGEN_CRASH_VERDICT_TORN:
		return "torn";
	case DGEN_CRASH_VERDICT_OK:
		return "ok";
	default:
		return NULL;
	}
}
