// SPDX-License-Identifier: MIT
/*
 * run_objstore.c - the phases of a run over objects: one object, or a tree
 * of them, in an S3 bucket or an Azure Blob container
 *
 * A target path or a tree directory that is an s3:// or az:// URL makes
 * the run's targets objects (dgen/objstore.h): object i has the key the
 * tree gives file i (or the URL's own, for one object) and stream (first
 * id + i) of the pass's seed, as a file would. Each phase is one job of
 * the object store, watched as the engine's phases are (run_watch: the
 * deadline, a stop, progress); with a monitor the job is its source, so
 * each endpoint gets its interval rows, its watchdog, its cliffs and its
 * verdict as a drive does. A hang (a request outstanding past the I/O
 * timeout) aborts the job: unlike a drive's, an object store's requests
 * can always be dropped, so nothing is left behind.
 *
 * What the run keeps beyond the phases' figures: each endpoint's bytes,
 * objects, requests, retries, HTTP errors and latencies (to the first byte
 * and to the end) per kind of phase, and the first bad objects.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dgen/opts.h>

#include "run_impl.h"

#define NO_TIMEOUT_S	86400.0		/* --io-timeout 0: a day a request */
#define STALL_MARGIN_S	1.5		/* curl's idle limit past the watch's */
#define THREADS_MAX	16u		/* default: a thread a CPU, at most */

const char *run_obj_name(const struct dgen_run *r, uint64_t i, char *buf,
			 size_t len)
{
	const struct run_obj *ob = r->obj;

	if (!ob->tree)
		snprintf(buf, len, "%s", ob->url);
	else if (dgen_tree_path(buf, len, ob->url, r->o.tree.fanout, i,
				dgen_format_suffix(r->o.tree.format)) < 0)
		snprintf(buf, len, "%s/(object %llu)", ob->url,
			 (unsigned long long)i);
	return buf;
}

/* The job of pass @pass in @mode. */
static void job_opts(const struct dgen_run *r, uint64_t pass,
		     enum dgen_writer_mode mode,
		     struct dgen_objstore_job_opts *o)
{
	const struct run_obj *ob = r->obj;

	dgen_objstore_job_opts_init(o);
	o->mode = mode;
	o->objects = ob->objects;
	o->object_size = ob->size;
	o->tree = ob->tree;
	o->format = ob->tree ? r->o.tree.format : DGEN_FORMAT_RAW;
	o->record_size = r->o.tree.record_size;
	o->fanout = r->o.tree.fanout;
	o->params = r->o.params;
	o->params.seed = dgen_pass_seed(r->o.params.seed, pass);
	o->has_prev = mode == DGEN_MODE_VERIFY && pass >= 2;
	o->prev_seed = o->has_prev ? dgen_pass_seed(r->o.params.seed, pass - 1) : 0;
	o->part_size = r->o.objects.part_size;
	o->threads = r->o.writer.threads;
	o->depth = r->o.writer.queue_depth;
	o->max_report = mode == DGEN_MODE_VERIFY ?
			(uint32_t)(r->o.max_report - r->listed) : 0;
	o->rate = r->o.rate;
}

/* What no object run takes, said in the options' names. */
static int shape_check(struct dgen_run *r, char *msg, size_t msglen)
{
	const struct dgen_run_opts *o = &r->o;

	if (o->paths && (o->npaths != 1 || !o->size || o->offset ||
			 o->stream_size)) {
		snprintf(msg, msglen, "an object is one target of --size bytes from its start: give one --dev s3://BUCKET/KEY (or az://) with --size, no --offset (a tree of objects is --dir s3://BUCKET/PREFIX --files N)");
		return -EINVAL;
	}
	if (o->paths && dgen_objstore_url_is(o->paths[0]) != 1) {
		snprintf(msg, msglen, "%s: an object store's URL and files in one run: give them to runs of their own",
			 o->paths[0]);
		return -EINVAL;
	}
	if (o->writer.threads > DGEN_THREADS_MAX) {
		snprintf(msg, msglen, "--threads %u: at most %u", o->writer.threads,
			 DGEN_THREADS_MAX);
		return -EINVAL;
	}
	return 0;
}

/* The store, from the URL and the run's options; what it resolved to. */
static int store_new(struct dgen_run *r, char *msg, size_t msglen)
{
	struct run_obj *ob = r->obj;
	struct dgen_objstore_opts so;
	int err;

	dgen_objstore_opts_init(&so);
	so.url = ob->url;
	so.endpoints = r->o.objects.nendpoints ? r->o.objects.endpoints : NULL;
	so.nendpoints = r->o.objects.nendpoints;
	so.retries = r->o.objects.retries;
	so.flags = r->o.objects.flags;
	/* No timeout cannot bound a request: a day does. */
	so.io_timeout_s = r->o.watch.io_timeout_s > 0 ?
			  r->o.watch.io_timeout_s : NO_TIMEOUT_S;
	/* Watched, a stalled request is the monitor's to name (a hang, as a
	 * drive's); curl's own limit a second later is the backstop. */
	if (r->o.flags & DGEN_RUN_WATCH)
		so.stall_s = so.io_timeout_s + STALL_MARGIN_S;
	err = dgen_objstore_new(&ob->store, &so, msg, msglen);
	if (err)
		return err;
	dgen_objstore_info_get(ob->store, &ob->info);
	ob->nendpoints = ob->info.nendpoints;
	ob->endpoints = calloc(ob->nendpoints, sizeof(*ob->endpoints));
	ob->ep = calloc(ob->nendpoints, sizeof(*ob->ep));
	if (!ob->endpoints || !ob->ep) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	for (unsigned int k = 0; k < ob->nendpoints; k++)
		ob->endpoints[k] = dgen_objstore_endpoint(ob->store, k);
	return 0;
}

/* Pass 1's job, made and dropped: its refusals now, and its plan. */
static int job_check(struct dgen_run *r, char *msg, size_t msglen)
{
	const int vo = r->o.mode == DGEN_RUN_VERIFY_ONLY;
	struct dgen_objstore_job_opts jo;
	struct dgen_objstore_job *j;
	int err;

	job_opts(r, vo ? r->o.pass : 1, vo ? DGEN_MODE_VERIFY : DGEN_MODE_WRITE,
		 &jo);
	/* Verify's parts: whole blocks (they are whole MiB). */
	if (r->o.mode == DGEN_RUN_WRITE_VERIFY)
		jo.mode = DGEN_MODE_VERIFY;
	err = dgen_objstore_job_new(&j, r->obj->store, &jo, msg, msglen);
	if (err)
		return err;
	dgen_objstore_job_plan(j, &r->obj->plan);
	dgen_objstore_job_free(j);
	return 0;
}

int run_obj_check(struct dgen_run *r, char *msg, size_t msglen)
{
	const struct dgen_run_opts *o = &r->o;
	struct dgen_objstore_job_opts jo;
	struct run_obj *ob;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int err;

	err = shape_check(r, msg, msglen);
	if (err)
		return err;
	ob = r->obj = calloc(1, sizeof(*ob));
	if (!ob) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	ob->error_endpoint = -1;
	ob->tree = !!o->tree.dir;
	ob->url = ob->tree ? o->tree.dir : o->paths[0];
	ob->objects = ob->tree ? o->tree.files : 1;
	ob->size = ob->tree ? o->tree.file_size : o->size;
	if (!r->o.writer.threads)
		r->o.writer.threads = cpus < 1 ? 1 : cpus > THREADS_MAX ?
				      THREADS_MAX : (uint32_t)cpus;
	if (!r->o.writer.queue_depth)
		r->o.writer.queue_depth = DGEN_OBJSTORE_DEPTH_DEFAULT;
	if ((err = store_new(r, msg, msglen)) ||
	    (err = job_check(r, msg, msglen)))
		return err;
	/* Writing: no key may be there, unless forced. Verify-only reads
	 * what is there: only the bucket must answer. */
	job_opts(r, 1, DGEN_MODE_WRITE, &jo);
	err = dgen_objstore_prepare(ob->store, &jo,
				    o->mode == DGEN_RUN_VERIFY_ONLY ||
				    (o->flags & DGEN_RUN_FORCE) ?
				    DGEN_OBJSTORE_FORCE : 0, msg, msglen);
	if (!err && (o->flags & DGEN_RUN_WATCH))
		err = run_monitor_new(r, ob->endpoints, NULL, ob->nendpoints,
				      msg, msglen);
	return err;
}

void run_obj_free(struct dgen_run *r)
{
	struct run_obj *ob = r->obj;

	if (!ob)
		return;
	dgen_objstore_free(ob->store);
	free(ob->endpoints);
	free(ob->ep);
	free(ob->bad);
	free(ob);
	r->obj = NULL;
}

/* ===== A phase ===== */

static int j_running(void *j)
{
	return dgen_objstore_job_running(j) > 0;
}

static uint64_t j_bytes(void *j)
{
	return dgen_objstore_job_bytes(j);
}

static uint64_t j_mismatches(void *j)
{
	return dgen_objstore_job_mismatches(j);
}

static void j_stop(void *j)
{
	dgen_objstore_job_stop(j);
}

/* The monitor's view of an endpoint: bytes, requests as I/Os, each
 * request's time to its end as its latency. */
static int j_sample(void *j, unsigned int k, struct dgen_target_sample *out)
{
	struct dgen_objstore_stats st;
	int err = dgen_objstore_job_sample(j, k, &st);

	if (err)
		return err;
	*out = (struct dgen_target_sample) {
		.bytes = st.bytes, .ios = st.requests,
		.first_ns = st.first_ns, .last_ns = st.last_ns,
		.lat = st.total,
	};
	return 0;
}

static int j_outstanding(void *j, struct dgen_io_outstanding *out)
{
	dgen_objstore_job_outstanding(j, out, NULL);
	return 0;
}

static void j_abort(void *j)
{
	dgen_objstore_job_abort(j);
}

/* Attach the started job @j of pass @pass to the run's monitor. */
static void monitor_begin(struct dgen_run *r, struct dgen_objstore_job *j,
			  uint64_t pass, enum dgen_writer_mode mode)
{
	const struct run_obj *ob = r->obj;
	const struct dgen_monitor_source src = {
		.sample = j_sample, .outstanding = j_outstanding,
		.abandon = j_abort, .arg = j,
	};
	uint64_t *sizes = calloc(ob->nendpoints, sizeof(*sizes));

	/* Object i goes to endpoint i mod E. */
	for (unsigned int k = 0; sizes && k < ob->nendpoints; k++)
		sizes[k] = (ob->objects / ob->nendpoints +
			    (k < ob->objects % ob->nendpoints)) *
			   ob->plan.object_bytes;
	dgen_monitor_begin_source(r->monitor, &src, mode == DGEN_MODE_VERIFY ?
				  DGEN_PHASE_VERIFY : DGEN_PHASE_WRITE, pass,
				  sizes);
	free(sizes);
}

/*
 * The monitor found a request outstanding past the I/O timeout: the run's
 * error names it (its object, from the job, while it is still in flight),
 * then the job drops everything it has in flight.
 */
static void hang_error(struct dgen_run *r, struct dgen_objstore_job *j,
		       enum dgen_writer_mode mode)
{
	struct run_obj *ob = r->obj;
	struct dgen_io_outstanding *out = calloc(ob->nendpoints, sizeof(*out));
	uint64_t *objs = calloc(ob->nendpoints, sizeof(*objs));
	struct dgen_monitor_hang h;
	char name[4096], msg[256];
	uint64_t object = 0;

	dgen_monitor_hang(r->monitor, &h);
	if (out && objs) {
		dgen_objstore_job_outstanding(j, out, objs);
		object = objs[h.target];
	}
	dgen_objstore_job_abort(j);
	snprintf(msg, sizeof(msg), "%s %s at %s: no answer for %.1f s (--io-timeout %g s)",
		 mode == DGEN_MODE_VERIFY ? "GET" : "PUT",
		 run_obj_name(r, object, name, sizeof(name)),
		 ob->endpoints[h.target], h.seconds, r->o.watch.io_timeout_s);
	run_error(r, -ETIMEDOUT, (int64_t)object, h.offset,
		  mode == DGEN_MODE_VERIFY ? "read" : "write", msg);
	if (!ob->error_http && ob->error_endpoint < 0)
		ob->error_endpoint = (int)h.target;
	free(out);
	free(objs);
}

static void fig_add(struct run_obj_fig *f, const struct dgen_objstore_stats *s,
		    double seconds)
{
	if (!f->phases++) {
		dgen_latency_init(&f->st.ttfb);
		dgen_latency_init(&f->st.total);
	}
	f->st.bytes += s->bytes;
	f->st.objects += s->objects;
	f->st.requests += s->requests;
	f->st.retries += s->retries;
	f->st.http_errors += s->http_errors;
	f->st.mismatches += s->mismatches;
	f->st.framing += s->framing;
	dgen_latency_merge(&f->st.ttfb, &s->ttfb);
	dgen_latency_merge(&f->st.total, &s->total);
	f->seconds += seconds;
}

/* Keep pass @pass's bad objects while the run's list has room. */
static void bad_keep(struct dgen_run *r, uint64_t pass,
		     const struct dgen_objstore_result *res)
{
	struct run_obj *ob = r->obj;
	struct run_obj_bad *b;

	for (unsigned int k = 0; k < DGEN_OBJSTORE_BAD_KINDS; k++)
		ob->bad_kinds[k] += res->bad_kinds[k];
	for (unsigned int i = 0; i < res->bad_reported &&
	     ob->nbad < r->o.max_report; i++) {
		b = realloc(ob->bad, (ob->nbad + 1) * sizeof(*b));
		if (!b)
			return;
		ob->bad = b;
		ob->bad[ob->nbad++] = (struct run_obj_bad) {
			.pass = pass, .b = res->bad[i],
		};
		if (res->bad[i].framing && r->res->framing_target < 0) {
			r->res->framing_target = (int64_t)res->bad[i].object;
			r->res->framing_offset = res->bad[i].framing_offset;
		}
	}
}

/* Add what job @j did to the phase, the run's figures and its lists. */
static void collect(struct dgen_run *r, struct dgen_objstore_job *j,
		    uint64_t pass, enum dgen_writer_mode mode,
		    const struct dgen_objstore_result *res,
		    struct dgen_run_phase *ph, struct dgen_mismatch_keep *keep)
{
	struct run_obj *ob = r->obj;

	ph->bytes += res->bytes;
	ph->files += res->objects;
	ph->ops += res->requests;
	ph->retries += res->retries;
	ph->mismatches += res->mismatches;
	ph->framing += res->framing;
	ph->bad_sectors += res->bad_sectors;
	ph->bad_objects += res->bad_objects;
	ph->seconds += res->seconds;
	ph->stopped |= res->stopped;
	for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
		ph->kinds[k] += res->kinds[k];
	for (unsigned int i = 0; i < res->reported; i++)
		dgen_mismatch_keep_add(keep, &res->report[i]);
	bad_keep(r, pass, res);
	for (unsigned int k = 0; k < ob->nendpoints; k++) {
		struct dgen_objstore_stats st;

		if (dgen_objstore_job_sample(j, k, &st))
			continue;
		fig_add(&ob->ep[k][mode], &st, st.first_ns &&
			st.last_ns > st.first_ns ?
			(double)(st.last_ns - st.first_ns) / 1e9 : 0);
	}
	fig_add(&ob->all[mode], &(struct dgen_objstore_stats) {
		.bytes = res->bytes, .objects = res->objects,
		.requests = res->requests, .retries = res->retries,
		.http_errors = res->http_errors,
		.mismatches = res->mismatches, .framing = res->framing,
		.ttfb = res->ttfb, .total = res->total,
	}, res->seconds);
	dgen_latency_merge(&r->res->latency[mode], &res->total);
	r->bytes_before += res->bytes;
}

/* The endpoint the phase failed on (a hang's, or its error's), or -1. */
static int failed_endpoint(const struct dgen_run *r,
			   const struct dgen_objstore_result *res)
{
	struct dgen_monitor_hang h;

	if (r->hung && dgen_monitor_hang(r->monitor, &h))
		return (int)h.target;
	return res->error ? res->error_endpoint : -1;
}

int run_obj_phase(struct dgen_run *r, uint64_t pass,
		  enum dgen_writer_mode mode, struct dgen_run_phase *ph,
		  struct dgen_mismatch_keep *keep)
{
	struct run_obj *ob = r->obj;
	struct dgen_objstore_job_opts jo;
	struct dgen_objstore_result res;
	struct dgen_objstore_job *j;
	struct run_probe pr = {
		.running = j_running, .bytes = j_bytes,
		.mismatches = j_mismatches, .stop = j_stop, .monitored = 1,
	};
	char msg[512];
	int err;

	job_opts(r, pass, mode, &jo);
	err = dgen_objstore_job_new(&j, ob->store, &jo, msg, sizeof(msg));
	if (err) {
		run_error(r, err, -1, 0, "start", msg);
		return err;
	}
	/* Stopped already: nothing is claimed, the job ends at once. */
	if (run_stopping(r))
		dgen_objstore_job_stop(j);
	err = dgen_objstore_job_start(j, msg, sizeof(msg));
	if (!err) {
		if (r->monitor)
			monitor_begin(r, j, pass, mode);
		pr.arg = j;
		run_watch(r, &pr, pass, mode);
		if (r->hung)
			hang_error(r, j, mode);
	}
	dgen_objstore_job_wait(j, &res);
	if (r->monitor && !err)
		dgen_monitor_end(r->monitor, failed_endpoint(r, &res));
	collect(r, j, pass, mode, &res, ph, keep);
	if (err) {
		run_error(r, err, -1, 0, "start", msg);
	} else if (res.error && !r->hung) {
		run_error(r, res.error, res.error_object, res.error_offset,
			  mode == DGEN_MODE_VERIFY ? "read" : "write",
			  res.error_msg);
		ob->error_endpoint = res.error_endpoint;
		ob->error_http = res.error_http;
		err = res.error;
	} else if (r->hung) {
		err = -ETIMEDOUT;
	}
	dgen_objstore_job_free(j);
	return err;
}
