// SPDX-License-Identifier: MIT
/*
 * objstore_stats.c - a job's figures per endpoint, its findings and its
 * first failure
 *
 * Each worker keeps one row of counters per endpoint, written by itself
 * alone (as the writer's wstats.c); a sampler sums the rows whenever it
 * likes. Verifying, the bytes a GET brings are judged here against the
 * object's regenerated stream, by the writer's rule (src/verify.c): a
 * clean 16 KiB piece costs one fill and one memcmp, and only a piece that
 * differs is walked block by block; each bad block is zeroed, stale (the
 * previous pass's bytes) or foreign. A formatted object's bytes are
 * walked by segment: its payload judged so, its framing (headers, CRCs,
 * directories) against what dgen_fmt_src makes, one finding per structure
 * that differs. An object's findings are folded together when its last
 * range ends: missing, short, long, content, or framing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "objstore_job.h"

#define PIECE		(16u << 10)

struct cmp_ctx {
	struct dgen_objstore_job *j;
	struct os_req *r;
	struct os_tstat *st;
	const uint8_t *buf;
	uint64_t base;
};

static int on_mismatch(const struct dgen_mismatch *m, void *arg)
{
	struct cmp_ctx *c = arg;
	const struct dgen_stream *prev = c->r->obj->prev;
	const uint8_t *got = c->buf + (m->offset - c->base);
	struct dgen_verify_mismatch rec;
	enum dgen_mismatch_kind kind;

	if (m->all_zero)
		kind = DGEN_MISMATCH_ZEROED;
	else if (prev && dgen_stream_compare(prev, got, m->offset, m->len,
					     NULL, NULL) == 0)
		kind = DGEN_MISMATCH_STALE;
	else
		kind = DGEN_MISMATCH_FOREIGN;
	/* A block split by a format's framing comes in pieces: once. */
	if (c->r->blocks && m->block == c->r->last_block)
		return 0;
	c->r->last_block = m->block;
	__atomic_store_n(&c->st->mismatches, c->st->mismatches + 1,
			 __ATOMIC_RELAXED);
	c->st->kinds[kind]++;
	c->st->bad_sectors += m->bad_sectors;
	if (!c->r->blocks || m->offset < c->r->first_bad) {
		c->r->first_bad = m->offset;
		c->r->first_kind = kind;
	}
	c->r->blocks++;
	rec = (struct dgen_verify_mismatch) {
		.target = (unsigned int)c->r->obj->index,
		.kind = kind, .offset = m->offset, .len = m->len,
		.bad_sectors = m->bad_sectors,
	};
	memcpy(rec.sector_map, m->sector_map,
	       ((m->len + DGEN_SECTOR_SIZE - 1) / DGEN_SECTOR_SIZE + 63) / 64 *
	       sizeof(uint64_t));
	dgen_mismatch_keep_add(c->j->keep, &rec);
	return 0;
}

/*
 * A formatted object's bytes in @r's buffer: each segment's piece against
 * the bytes the source makes (one pass of generation: the cursor carries
 * TFRecord's CRCs along), a payload piece that differs judged by block,
 * a framing one counted once per structure.
 */
static void compare_fmt(struct dgen_objstore_job *j, struct os_req *r)
{
	const struct dgen_fmt_src *f = &r->obj->fmt;
	_Alignas(64) uint8_t want[PIECE];
	struct cmp_ctx c = {
		.j = j, .r = r, .st = &j->w[r->worker].st[r->ep],
	};

	for (size_t at = 0; at < r->cmp_fill;) {
		const uint64_t off = r->cmp_base + at;
		struct dgen_fmt_span sp;
		size_t n;

		dgen_fmt_src_span(f, off, r->cmp_fill - at < PIECE ?
				  r->cmp_fill - at : PIECE, &sp);
		n = (size_t)sp.len;
		if (dgen_fmt_src_fill(f, &r->cur, want, off, n) ||
		    !memcmp(r->cmp + at, want, n)) {
			at += n;
			continue;
		}
		if (sp.payload) {
			c.buf = r->cmp + at;
			c.base = sp.pos;
			dgen_stream_compare(r->obj->stream, r->cmp + at, sp.pos,
					    n, on_mismatch, &c);
		} else if (r->last_framing != sp.start + 1) {
			if (!r->framing || sp.start < r->first_framing)
				r->first_framing = sp.start;
			r->framing++;
			r->last_framing = sp.start + 1;
			__atomic_store_n(&c.st->framing, c.st->framing + 1,
					 __ATOMIC_RELAXED);
		}
		at += n;
	}
}

void os_compare(struct dgen_objstore_job *j, struct os_req *r)
{
	const struct dgen_stream *s = r->obj->stream;
	const uint32_t B = dgen_stream_params_get(s)->dedup_unit;
	const uint32_t piece = B > PIECE ? B : PIECE;
	_Alignas(64) uint8_t want[PIECE];
	struct cmp_ctx c = {
		.j = j, .r = r, .st = &j->w[r->worker].st[r->ep],
		.buf = r->cmp, .base = r->cmp_base,
	};

	if (j->o.format != DGEN_FORMAT_RAW) {
		compare_fmt(j, r);
		return;
	}
	if (B > PIECE) {
		dgen_stream_compare(s, r->cmp, r->cmp_base, r->cmp_fill,
				    on_mismatch, &c);
		return;
	}
	for (size_t at = 0; at < r->cmp_fill;) {
		size_t n = r->cmp_fill - at < piece ? r->cmp_fill - at : piece;

		dgen_stream_fill(s, want, r->cmp_base + at, n);
		if (memcmp(r->cmp + at, want, n))
			dgen_stream_compare(s, r->cmp + at, r->cmp_base + at, n,
					    on_mismatch, &c);
		at += n;
	}
}

/* What is wrong with @o, if anything: 1 and @b filled, else 0. */
static int finding(const struct dgen_objstore_job *j, const struct os_obj *o,
		   struct dgen_objstore_bad *b)
{
	const uint64_t size = j->shape.size;

	*b = (struct dgen_objstore_bad) { .object = o->index,
		.held = o->held == UINT64_MAX ? 0 : o->held,
		.blocks = o->blocks, .block_kind = o->first_kind,
		.framing = o->framing, .framing_offset = o->first_framing };
	if (o->missing) {
		b->kind = DGEN_OBJSTORE_MISSING;
	} else if (o->held != UINT64_MAX && o->held < size) {
		b->kind = DGEN_OBJSTORE_SHORT;
		b->offset = o->held;
	} else if (o->past_end != UINT64_MAX) {
		/* Only 416s: it ends before the first range it lacks. */
		b->kind = DGEN_OBJSTORE_SHORT;
		b->offset = b->held = o->past_end;
	} else if (o->held != UINT64_MAX && o->held > size) {
		b->kind = DGEN_OBJSTORE_LONG;
		b->offset = size;
	} else if (o->blocks) {
		b->kind = DGEN_OBJSTORE_CONTENT;
		b->offset = o->first_bad;
	} else if (o->framing) {
		b->kind = DGEN_OBJSTORE_FRAMING;
		b->offset = o->first_framing;
	} else {
		return 0;
	}
	/* Raw: the first bad block may come before a size finding. */
	if (o->blocks && j->o.format == DGEN_FORMAT_RAW &&
	    o->first_bad < b->offset)
		b->offset = o->first_bad;
	return 1;
}

void os_bad_add(struct dgen_objstore_job *j, const struct os_obj *o,
		unsigned int ep)
{
	struct os_badkeep *k = &j->bad;
	struct dgen_objstore_bad b;
	unsigned int at;

	if (j->o.mode != DGEN_MODE_VERIFY || !finding(j, o, &b))
		return;
	b.endpoint = ep;
	pthread_mutex_lock(&k->lock);
	k->count++;
	k->kinds[b.kind]++;
	if (!k->cap && j->o.max_report) {
		k->v = calloc(j->o.max_report, sizeof(*k->v));
		k->cap = k->v ? j->o.max_report : 0;
	}
	/* Keep the lowest indices: a sorted array, insertion in place. */
	for (at = k->n; at && k->v[at - 1].object > b.object; at--)
		;
	if (at < k->cap) {
		unsigned int move = k->n - at - (k->n == k->cap);

		memmove(&k->v[at + 1], &k->v[at], move * sizeof(*k->v));
		k->v[at] = b;
		if (k->n < k->cap)
			k->n++;
	}
	pthread_mutex_unlock(&k->lock);
}

static const char *op_name(const struct dgen_objstore_job *j, enum os_op op)
{
	const int az = j->s->kind == DGEN_OBJSTORE_AZURE;

	switch (op) {
	case OP_PUT:		return "PUT";
	case OP_CREATE:		return "CreateMultipartUpload";
	case OP_PART:		return az ? "Put Block" : "UploadPart";
	case OP_COMPLETE:	return az ? "Put Block List" :
				       "CompleteMultipartUpload";
	case OP_GET:		return "GET";
	}
	return "request";
}

void os_fail(struct dgen_objstore_job *j, struct os_req *r, int err,
	     const char *what)
{
	struct dgen_objstore_result *res = &j->res;
	char key[4096] = "";
	char part[64] = "";

	__atomic_store_n(&j->stop, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&j->err_lock);
	if (res->error) {
		pthread_mutex_unlock(&j->err_lock);
		return;
	}
	res->error = err;
	if (r && r->obj) {
		os_key_of(j->s, j->o.tree, j->o.fanout, r->obj->index,
			  os_suffix(&j->o), key, sizeof(key));
		res->error_object = (int64_t)r->obj->index;
		res->error_offset = r->off;
		res->error_endpoint = (int)r->ep;
		res->error_http = r->status >= 400 ? (int)r->status : 0;
		if (r->op == OP_PART || (r->op == OP_GET && j->nparts > 1))
			snprintf(part, sizeof(part), " part %u (offset %llu)",
				 r->part + 1, (unsigned long long)r->off);
		snprintf(res->error_msg, sizeof(res->error_msg),
			 "%s %s/%s%s at %s: %s", op_name(j, r->op), j->s->bucket,
			 key, part, j->s->endpoints[r->ep], what);
	} else {
		snprintf(res->error_msg, sizeof(res->error_msg), "%s", what);
	}
	pthread_mutex_unlock(&j->err_lock);
}

static void stat_add(struct dgen_objstore_stats *out, const struct os_tstat *t)
{
	out->bytes += __atomic_load_n(&t->bytes, __ATOMIC_RELAXED);
	out->objects += __atomic_load_n(&t->objects, __ATOMIC_RELAXED);
	out->requests += __atomic_load_n(&t->requests, __ATOMIC_RELAXED);
	out->retries += __atomic_load_n(&t->retries, __ATOMIC_RELAXED);
	out->mismatches += __atomic_load_n(&t->mismatches, __ATOMIC_RELAXED);
	out->framing += __atomic_load_n(&t->framing, __ATOMIC_RELAXED);
	out->http_errors += __atomic_load_n(&t->http_errors, __ATOMIC_RELAXED);
	if (t->first_ns && (!out->first_ns || t->first_ns < out->first_ns))
		out->first_ns = t->first_ns;
	if (t->last_ns > out->last_ns)
		out->last_ns = t->last_ns;
	dgen_latency_merge(&out->ttfb, &t->ttfb);
	dgen_latency_merge(&out->total, &t->total);
}

int dgen_objstore_job_sample(const struct dgen_objstore_job *j,
			     unsigned int k, struct dgen_objstore_stats *out)
{
	if (k >= j->E)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	dgen_latency_init(&out->ttfb);
	dgen_latency_init(&out->total);
	for (unsigned int t = 0; t < j->T; t++)
		stat_add(out, &j->w[t].st[k]);
	return 0;
}

void dgen_objstore_job_outstanding(const struct dgen_objstore_job *j,
				   struct dgen_io_outstanding *out,
				   uint64_t *objects)
{
	memset(out, 0, j->E * sizeof(*out));
	for (unsigned int t = 0; t < j->T; t++)
		for (unsigned int q = 0; q < j->E * j->Q; q++) {
			const struct os_req *r = &j->w[t].req[q];
			uint64_t since = __atomic_load_n(&r->since, __ATOMIC_ACQUIRE);
			struct dgen_io_outstanding *o = &out[r->ep];

			if (since && (!o->since_ns || since < o->since_ns)) {
				o->since_ns = since;
				o->offset = r->off;
				o->len = (uint32_t)r->len;
				if (objects)
					objects[r->ep] = __atomic_load_n(&r->index,
							__ATOMIC_RELAXED);
			}
		}
}

uint64_t dgen_objstore_job_bytes(const struct dgen_objstore_job *j)
{
	uint64_t n = 0;

	for (unsigned int t = 0; t < j->T; t++)
		for (unsigned int k = 0; k < j->E; k++)
			n += __atomic_load_n(&j->w[t].st[k].bytes, __ATOMIC_RELAXED);
	return n;
}

uint64_t dgen_objstore_job_mismatches(const struct dgen_objstore_job *j)
{
	uint64_t n = 0;

	for (unsigned int t = 0; t < j->T; t++)
		for (unsigned int k = 0; k < j->E; k++)
			n += __atomic_load_n(&j->w[t].st[k].mismatches,
					     __ATOMIC_RELAXED);
	return n;
}

void os_result(struct dgen_objstore_job *j)
{
	struct dgen_objstore_result *res = &j->res;
	struct dgen_objstore_stats all = { 0 };

	dgen_latency_init(&all.ttfb);
	dgen_latency_init(&all.total);
	for (unsigned int t = 0; t < j->T; t++)
		for (unsigned int k = 0; k < j->E; k++) {
			const struct os_tstat *st = &j->w[t].st[k];

			stat_add(&all, st);
			res->mismatches += st->mismatches;
			res->framing += st->framing;
			res->bad_sectors += st->bad_sectors;
			for (unsigned int i = 0; i < DGEN_MISMATCH_KINDS; i++)
				res->kinds[i] += st->kinds[i];
		}
	res->bytes = all.bytes;
	res->objects = all.objects;
	res->requests = all.requests;
	res->retries = all.retries;
	res->http_errors = all.http_errors;
	res->ttfb = all.ttfb;
	res->total = all.total;
	res->seconds = (double)(j->t1 - j->t0) / 1e9;
	res->stopped = __atomic_load_n(&j->stop, __ATOMIC_RELAXED) &&
		       !res->error;
	res->bad_objects = j->bad.count;
	memcpy(res->bad_kinds, j->bad.kinds, sizeof(res->bad_kinds));
	res->bad = j->bad.v;
	res->bad_reported = j->bad.n;
	res->reported = dgen_mismatch_keep_sorted(j->keep, &res->report);
}
