// SPDX-License-Identifier: MIT
/*
 * objstore_job.c - a job over objects: its dispenser and its lifecycle
 *
 * The dispenser of each endpoint walks that endpoint's objects in order
 * and hands out their units; an object becomes live when its first unit
 * goes out and is finished when its last one ends, so only the objects
 * with requests in flight hold memory (a state, their streams, an S3
 * upload's ETags), however many objects the job has. An S3 multipart
 * object hands out its create first and its parts only once the upload
 * exists; meanwhile the dispenser serves other objects, and a worker that
 * finds nothing to send waits for its requests in flight.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/tree.h>

#include "objstore_job.h"
#include "refuse.h"

void dgen_objstore_job_opts_init(struct dgen_objstore_job_opts *o)
{
	memset(o, 0, sizeof(*o));
	dgen_stream_params_init(&o->params);
	o->mode = DGEN_MODE_WRITE;
	o->objects = 1;
	o->threads = 1;
	o->depth = DGEN_OBJSTORE_DEPTH_DEFAULT;
	o->max_report = DGEN_MAX_REPORT_DEFAULT;
}

const char *dgen_objstore_bad_name(enum dgen_objstore_bad_kind k)
{
	switch (k) {
	case DGEN_OBJSTORE_MISSING:	return "missing";
	case DGEN_OBJSTORE_SHORT:	return "short";
	case DGEN_OBJSTORE_LONG:	return "long";
	case DGEN_OBJSTORE_CONTENT:	return "content";
	case DGEN_OBJSTORE_FRAMING:	return "framing";
	default:			return NULL;
	}
}

static int check_opts(const struct dgen_objstore *s,
		      const struct dgen_objstore_job_opts *o, char *msg,
		      size_t msglen)
{
	struct dgen_stream_params p = o->params;
	uint64_t ps = o->part_size ? o->part_size : DGEN_OBJSTORE_PART_SIZE_DEFAULT;

	if (!o->objects || !o->object_size)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "a job takes at least one object of at least one byte");
	if (!o->tree && o->objects != 1)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "%llu objects need a tree of keys: one key names one object",
				   (unsigned long long)o->objects);
	if (!o->tree && !*s->prefix)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "%s: an object needs a key after the bucket",
				   s->bucket);
	if (!dgen_format_supported(o->format))
		return dgen_refuse(-EOPNOTSUPP, msg, msglen,
				   "format %s: this build has no HDF5 (meson -Dhdf5=enabled with libhdf5)",
				   dgen_format_name(o->format) ?
				   dgen_format_name(o->format) : "unknown");
	if (ps < DGEN_OBJSTORE_PART_SIZE_MIN || ps > DGEN_OBJSTORE_PART_SIZE_MAX ||
	    ps % (1u << 20))
		return dgen_refuse(-EINVAL, msg, msglen,
				   "part size %llu: whole MiB from 5 MiB to 5 GiB",
				   (unsigned long long)ps);
	/* A whole MiB is a whole number of blocks (a power of two up to
	 * 1 MiB): no block is split between two requests. */
	if (!o->threads || o->threads > DGEN_THREADS_MAX || !o->depth ||
	    o->depth > 256)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "threads 1 to %u and depth 1 to 256",
				   DGEN_THREADS_MAX);
	if (o->objects > UINT32_MAX)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "%llu objects: at most %u in one job",
				   (unsigned long long)o->objects, UINT32_MAX);
	p.size = o->object_size;
	return dgen_stream_params_check(&p, msg, msglen);
}

uint64_t os_unit_off(const struct dgen_objstore_job *j, uint32_t p)
{
	return dgen_fmt_src_offset(&j->shape, (uint64_t)p * j->part_size);
}

/*
 * The shape of the job's objects: their size and where their parts begin,
 * from a format source with no stream (HDF5: from libhdf5's layout).
 */
static int job_shape(struct dgen_objstore_job *j, char *msg, size_t msglen)
{
	const struct dgen_objstore_job_opts *o = &j->o;
	int err = 0;

#ifdef DGEN_HAVE_HDF5
	if (o->format == DGEN_FORMAT_HDF5 &&
	    (err = dgen_hdf5_template(&j->h5, o->object_size)))
		return dgen_refuse(err, msg, msglen,
				   "libhdf5 could not lay out an object of %llu bytes: %s",
				   (unsigned long long)o->object_size,
				   strerror(-err));
#endif
	err = dgen_fmt_src_init(&j->shape, o->format, NULL, o->object_size,
				o->record_size, &j->h5);
	if (err)
		return dgen_refuse(err, msg, msglen, "objects of %llu bytes in %s: %s",
				   (unsigned long long)o->object_size,
				   dgen_format_name(o->format), strerror(-err));
	return 0;
}

int dgen_objstore_job_new(struct dgen_objstore_job **out,
			  struct dgen_objstore *s,
			  const struct dgen_objstore_job_opts *o,
			  char *msg, size_t msglen)
{
	struct dgen_objstore_job *j;
	int err;

	*out = NULL;
	err = check_opts(s, o, msg, msglen);
	if (err)
		return err;
	j = calloc(1, sizeof(*j));
	if (!j)
		return dgen_refuse(-ENOMEM, msg, msglen, "out of memory");
	j->s = s;
	j->o = *o;
	if (!j->o.fanout)
		j->o.fanout = DGEN_TREE_FANOUT_DEFAULT;
	j->part_size = o->part_size ? o->part_size : DGEN_OBJSTORE_PART_SIZE_DEFAULT;
	/* As the AWS CLI does: a part size that needs more parts than S3
	 * takes grows (here by whole MiB) until it fits. */
	while ((o->object_size + j->part_size - 1) / j->part_size >
	       DGEN_OBJSTORE_PARTS_MAX)
		j->part_size += 1u << 20;
	j->nparts = (uint32_t)((o->object_size + j->part_size - 1) / j->part_size);
	err = job_shape(j, msg, msglen);
	if (err) {
		dgen_objstore_job_free(j);
		return err;
	}
	j->E = s->nendpoints;
	j->Q = o->depth;
	j->T = o->threads;
	dgen_rate_init(&j->rate, o->rate);
	pthread_mutex_init(&j->err_lock, NULL);
	pthread_mutex_init(&j->bad.lock, NULL);
	j->eps = calloc(j->E, sizeof(*j->eps));
	j->w = calloc(j->T, sizeof(*j->w));
	if (!j->eps || !j->w ||
	    dgen_mismatch_keep_new(&j->keep, o->mode == DGEN_MODE_VERIFY ?
				   o->max_report : 0))
		goto oom;
	for (unsigned int k = 0; k < j->E; k++) {
		pthread_mutex_init(&j->eps[k].lock, NULL);
		j->eps[k].count = o->objects / j->E + (k < o->objects % j->E);
	}
	for (unsigned int t = 0; t < j->T; t++) {
		struct os_worker *w = &j->w[t];

		*w = (struct os_worker) { .j = j, .id = t,
			.rng = 0x9e3779b97f4a7c15ull * (t + 1) };
		w->req = calloc((size_t)j->E * j->Q, sizeof(*w->req));
		w->st = calloc(j->E, sizeof(*w->st));
		if (!w->req || !w->st)
			goto oom;
		for (unsigned int k = 0; k < j->E; k++) {
			dgen_latency_init(&w->st[k].ttfb);
			dgen_latency_init(&w->st[k].total);
		}
		for (unsigned int q = 0; q < j->E * j->Q; q++) {
			w->req[q].j = j;
			w->req[q].ep = q / j->Q;
			w->req[q].worker = t;
		}
	}
	j->res.error_object = -1;
	j->res.error_endpoint = -1;
	*out = j;
	return 0;
oom:
	dgen_objstore_job_free(j);
	return dgen_refuse(-ENOMEM, msg, msglen, "out of memory");
}

void dgen_objstore_job_plan(const struct dgen_objstore_job *j,
			    struct dgen_objstore_plan *out)
{
	uint64_t req = (uint64_t)j->T * j->E * j->Q;

	uint64_t part = 0;

	/* The largest part, framing included. */
	for (uint32_t p = 0; p < j->nparts; p++)
		if (os_unit_off(j, p + 1) - os_unit_off(j, p) > part)
			part = os_unit_off(j, p + 1) - os_unit_off(j, p);
	*out = (struct dgen_objstore_plan) {
		.object_bytes = j->shape.size,
		.part_size = j->part_size, .parts = j->nparts,
		.threads = j->T, .depth = j->Q, .endpoints = j->E,
		.requests = req,
		.memory_bound = req * part,
		.memory = req * DGEN_OBJSTORE_CHUNK,
	};
}

/* ===== The dispenser ===== */

int os_stopping(const struct dgen_objstore_job *j)
{
	return __atomic_load_n(&j->stop, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&j->abort, __ATOMIC_RELAXED);
}

static void obj_free(struct os_obj *o)
{
	dgen_stream_free(o->stream);
	dgen_stream_free(o->prev);
	free(o->upload_id);
	free(o->etags);
	free(o);
}

/*
 * The next object of endpoint @k, live but not ready (under its lock);
 * NULL: out of memory.
 */
static struct os_obj *obj_open(struct dgen_objstore_job *j, unsigned int k)
{
	struct os_ep *ep = &j->eps[k];
	struct os_obj *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->index = k + ep->next * j->E;
	o->nparts = j->nparts;
	o->held = o->past_end = UINT64_MAX;
	/* Oldest first, so the dispenser finishes objects in order. */
	ep->next++;
	o->prev_live = ep->tail;
	if (ep->tail)
		ep->tail->next_live = o;
	else
		ep->live = o;
	ep->tail = o;
	return o;
}

/*
 * Make @o's streams and format source, out of the lock: an npz object's
 * source reads the payload once for its CRC. Returns 0 or -errno.
 */
static int obj_make(struct dgen_objstore_job *j, struct os_obj *o)
{
	struct dgen_stream_params p = j->o.params;
	int err;

	p.size = j->o.object_size;
	p.stream_id += o->index;
	if ((err = dgen_stream_new(&o->stream, &p, NULL, 0)))
		return err;
	p.seed = j->o.prev_seed;
	if (j->o.has_prev && (err = dgen_stream_new(&o->prev, &p, NULL, 0)))
		return err;
	if (o->nparts > 1 && j->s->kind == DGEN_OBJSTORE_S3 &&
	    j->o.mode == DGEN_MODE_WRITE &&
	    !(o->etags = calloc(o->nparts, sizeof(*o->etags))))
		return -ENOMEM;
	return dgen_fmt_src_init(&o->fmt, j->o.format, o->stream,
				 j->o.object_size, j->o.record_size, &j->h5);
}

static void obj_unlink(struct os_ep *ep, struct os_obj *o)
{
	if (o->prev_live)
		o->prev_live->next_live = o->next_live;
	else
		ep->live = o->next_live;
	if (o->next_live)
		o->next_live->prev_live = o->prev_live;
	else
		ep->tail = o->prev_live;
}

/* Give @r unit @part (or the create, part UINT32_MAX) of @o. */
static void give(struct dgen_objstore_job *j, struct os_req *r,
		 struct os_obj *o, enum os_op op, uint32_t part)
{
	r->obj = o;
	__atomic_store_n(&r->index, o->index, __ATOMIC_RELAXED);
	r->op = op;
	r->part = part;
	r->off = op == OP_CREATE ? 0 : os_unit_off(j, part);
	r->len = op == OP_CREATE ? 0 : os_unit_off(j, part + 1) - r->off;
	o->inflight++;
}

/* A unit of a live object of @ep that can go now; 0 when none. */
static int claim_live(struct dgen_objstore_job *j, struct os_ep *ep,
		      struct os_req *r, int *waiting)
{
	const int s3_multi = j->s->kind == DGEN_OBJSTORE_S3 &&
			     j->o.mode == DGEN_MODE_WRITE && j->nparts > 1;

	for (struct os_obj *o = ep->live; o; o = o->next_live) {
		if (o->dispensed == o->nparts || o->failed)
			continue;
		if (!o->ready) {
			*waiting = 1;
			continue;
		}
		if (s3_multi && !o->created) {
			if (o->creating) {
				*waiting = 1;
				continue;
			}
			o->creating = 1;
			give(j, r, o, OP_CREATE, UINT32_MAX);
			return 1;
		}
		give(j, r, o, j->o.mode == DGEN_MODE_VERIFY ? OP_GET :
		     o->nparts == 1 ? OP_PUT : OP_PART, o->dispensed++);
		return 1;
	}
	return 0;
}

enum os_claim os_claim(struct dgen_objstore_job *j, unsigned int k,
		       struct os_req *r)
{
	struct os_ep *ep = &j->eps[k];
	enum os_claim c = CLAIM_DONE;
	struct os_obj *made = NULL;
	int waiting = 0, err;

	if (os_stopping(j))
		return CLAIM_DONE;
	pthread_mutex_lock(&ep->lock);
	if (claim_live(j, ep, r, &waiting)) {
		c = CLAIM_UNIT;
	} else if (ep->next < ep->count) {
		made = obj_open(j, k);
		if (!made)
			os_fail(j, NULL, -ENOMEM, "out of memory");
		else
			c = CLAIM_WAIT;
	} else if (waiting) {
		c = CLAIM_WAIT;
	}
	pthread_mutex_unlock(&ep->lock);
	if (!made)
		return c;
	/* The new object is made ready by its opener alone, out of the lock;
	 * the others pass it by until then. */
	err = obj_make(j, made);
	pthread_mutex_lock(&ep->lock);
	if (err) {
		obj_unlink(ep, made);
		os_fail(j, NULL, err, "cannot make an object's stream");
	} else {
		made->ready = 1;
		if (claim_live(j, ep, r, &waiting))
			c = CLAIM_UNIT;
	}
	pthread_mutex_unlock(&ep->lock);
	if (err)
		obj_free(made);
	return c;
}

/* Fold @r's findings into its object (under the endpoint's lock). */
static void fold_findings(struct os_req *r, struct os_obj *o)
{
	if (r->status == 404)
		o->missing = 1;
	if (r->cr_total != UINT64_MAX)
		o->held = r->cr_total;
	if (r->status == 416 && r->off < o->past_end)
		o->past_end = r->off;
	if (r->blocks && (!o->blocks || r->first_bad < o->first_bad)) {
		o->first_bad = r->first_bad;
		o->first_kind = r->first_kind;
	}
	o->blocks += r->blocks;
	if (r->framing && (!o->framing || r->first_framing < o->first_framing))
		o->first_framing = r->first_framing;
	o->framing += r->framing;
}

int os_unit_done(struct dgen_objstore_job *j, struct os_req *r, int ok)
{
	struct os_ep *ep = &j->eps[r->ep];
	struct os_obj *o = r->obj;
	int complete = 0, finished = 0;

	pthread_mutex_lock(&ep->lock);
	o->inflight--;
	if (!ok)
		o->failed = 1;
	if (r->op == OP_CREATE) {
		o->creating = 0;
		o->created = ok;
	} else if (r->op == OP_COMPLETE) {
		finished = 1;
	} else if (ok) {
		o->done++;
		fold_findings(r, o);
		if (o->done == o->nparts) {
			complete = r->op == OP_PART;
			finished = !complete;
		}
	}
	/* A failed object, or one the job stopped before it was all handed
	 * out, is finished once nothing of it is in flight. */
	if ((o->failed || (os_stopping(j) && o->dispensed < o->nparts)) &&
	    !o->inflight && !complete)
		finished = 1;
	if (finished) {
		obj_unlink(ep, o);
		if (!o->failed && r->op != OP_CREATE &&
		    (o->done == o->nparts))
			os_bad_add(j, o, r->ep);
	}
	if (complete)
		o->inflight++;
	pthread_mutex_unlock(&ep->lock);
	if (finished)
		obj_free(o);
	r->obj = finished ? NULL : o;
	return complete;
}

/* ===== Lifecycle ===== */

int dgen_objstore_job_start(struct dgen_objstore_job *j, char *msg,
			    size_t msglen)
{
	sigset_t all, old;
	int err = 0;

	j->t0 = dgen_now_ns();
	j->running = j->T;
	/* Signals go to the caller's thread, never to a worker. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned int t = 0; t < j->T; t++) {
		if (pthread_create(&j->w[t].tid, NULL, os_worker_main, &j->w[t])) {
			err = -EAGAIN;
			__atomic_store_n(&j->stop, 1, __ATOMIC_RELAXED);
			__atomic_sub_fetch(&j->running, j->T - t, __ATOMIC_RELEASE);
			break;
		}
		j->w[t].started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		snprintf(msg, msglen, "cannot start the worker threads");
	return err;
}

void dgen_objstore_job_stop(struct dgen_objstore_job *j)
{
	__atomic_store_n(&j->stop, 1, __ATOMIC_RELAXED);
}

void dgen_objstore_job_abort(struct dgen_objstore_job *j)
{
	__atomic_store_n(&j->stop, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&j->abort, 1, __ATOMIC_RELAXED);
}

unsigned int dgen_objstore_job_running(const struct dgen_objstore_job *j)
{
	return __atomic_load_n(&j->running, __ATOMIC_ACQUIRE);
}

void dgen_objstore_job_wait(struct dgen_objstore_job *j,
			    struct dgen_objstore_result *res)
{
	for (unsigned int t = 0; t < j->T; t++)
		if (j->w[t].started) {
			pthread_join(j->w[t].tid, NULL);
			j->w[t].started = 0;
		}
	if (!j->t1) {
		j->t1 = dgen_now_ns();
		os_result(j);
	}
	*res = j->res;
}

void dgen_objstore_job_free(struct dgen_objstore_job *j)
{
	if (!j)
		return;
	for (unsigned int t = 0; t < j->T; t++)
		if (j->w && j->w[t].started)
			pthread_join(j->w[t].tid, NULL);
	for (unsigned int k = 0; j->eps && k < j->E; k++) {
		while (j->eps[k].live) {
			struct os_obj *o = j->eps[k].live;

			j->eps[k].live = o->next_live;
			obj_free(o);
		}
		pthread_mutex_destroy(&j->eps[k].lock);
	}
	for (unsigned int t = 0; j->w && t < j->T; t++) {
		free(j->w[t].req);
		free(j->w[t].st);
	}
	dgen_mismatch_keep_free(j->keep);
	dgen_hdf5_template_free(&j->h5);
	free(j->bad.v);
	free(j->eps);
	free(j->w);
	free(j);
}
