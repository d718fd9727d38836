// SPDX-License-Identifier: MIT
/*
 * fleet_mpi.c - one run of dgen-uring across the ranks of an MPI job
 * (dgen/fleet_mpi.h)
 *
 * Every collective here is entered by every rank in the same order:
 * the host split (fleet_place.c), the refusal allgather, the start
 * barrier, the gather. Between the barrier and the gather the ranks
 * exchange only small messages: the step each has reached, to meet
 * before each pass and read-back (fleet_meet.c), and one from each rank
 * to each other when its run ends, saying whether the others should stop
 * (its error, or its end under stonewall). A rank polls for those from
 * the run's progress and pass callbacks, on the run's own thread, so MPI
 * is only ever called from one thread (MPI_THREAD_FUNNELED).
 *
 * A rank that dies takes no part in any of this: see fleet_last.c. Its
 * plan, each rank's share of its host, is fleet_place.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mpi.h>

/*
 * Open MPI keeps allocations of its own past MPI_Finalize. Under
 * LeakSanitizer they are left out where they are made (MPI_Init and
 * MPI_Finalize, on this thread); what its own threads keep is suppressed
 * by library name in the tests (tests/lsan-mpi.supp). Our allocations are
 * checked as everywhere else.
 */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define MPI_LEAKS_OFF()	__lsan_disable()
#define MPI_LEAKS_ON()	__lsan_enable()
#else
#define MPI_LEAKS_OFF()	do { } while (0)
#define MPI_LEAKS_ON()	do { } while (0)
#endif

#include "fleet_impl.h"
#include "fleet_meet.h"

#define TAG_END		7301
#define MSG_MAX		512

#define END_STOP	1		/* an error: the others stop */
#define END_STONEWALL	2		/* its share is done: the others stop */

/* One rank's answer to "may we start?", and what it would write. */
struct refusal {
	int32_t err;
	char host[DGEN_FLEET_HOST_MAX];
	char msg[MSG_MAX];
	uint32_t npaths;
	char paths[DGEN_FLEET_TARGETS_MAX][DGEN_FLEET_PATH_MAX];
};

/* The end messages: one from each other rank. */
struct ends {
	unsigned int n, self;
	MPI_Request *req;
	int32_t *flag;			/* END_STOP, END_STONEWALL, 0 */
	int *done;
	struct dgen_run *run;
	int stopped_by;			/* the first rank whose end stopped
					   this one, -1 */
	int stonewalled;
	/* Meeting the others before each pass and phase. */
	struct fleet_meet meet;
	uint64_t first_pass;		/* its start is the start barrier */
	double start_s, time_s;		/* the run's, for its deadline */
	const int *sig;			/* a signal: stop waiting */
	double waited_s;		/* in meetings, all together */
	/* Rank 0: the caller's progress callback, at its own interval. */
	const struct dgen_run_opts *user;
	double user_next;
};

int dgen_fleet_mpi_join(int *argc, char ***argv, struct dgen_fleet_out *out)
{
	int provided, rank, size;

	memset(out, 0, sizeof(*out));
	MPI_LEAKS_OFF();
	rank = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
	MPI_LEAKS_ON();
	if (rank != MPI_SUCCESS)
		return -EIO;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	out->rank = (unsigned int)rank;
	out->size = (unsigned int)size;
	dgen_fleet_host(out->host, sizeof(out->host));
	fleet_last_open();
	return 0;
}

void dgen_fleet_mpi_seed(struct dgen_run_opts *o)
{
	uint64_t v[2] = { o->params.seed, o->flags & DGEN_RUN_SEED_DRAWN };

	MPI_Bcast(v, 2, MPI_UINT64_T, 0, MPI_COMM_WORLD);
	o->params.seed = v[0];
	o->flags = (o->flags & ~DGEN_RUN_SEED_DRAWN) | (unsigned int)v[1];
}

int dgen_fleet_mpi_status(int rc)
{
	int32_t v = rc;

	MPI_Bcast(&v, 1, MPI_INT32_T, 0, MPI_COMM_WORLD);
	return v;
}

void dgen_fleet_mpi_leave(struct dgen_fleet_out *out, int abandon)
{
	if (out->signalled)
		fleet_last_leave(out);
	dgen_run_free(out->run);
	dgen_plan_free(out->plan);
	dgen_topology_free(out->topo);
	out->run = NULL;
	out->plan = NULL;
	out->topo = NULL;
	free(out->refusals);
	free(out->ranks);
	out->refusals = NULL;
	out->ranks = NULL;
	/* A signalled rank leaves without the others (they may be dead):
	 * MPI_Finalize could wait for them. */
	if (!abandon) {
		MPI_LEAKS_OFF();
		fleet_last_close();
		MPI_Finalize();
		MPI_LEAKS_ON();
	}
}

static int ends_begin(struct ends *e, unsigned int n, unsigned int self)
{
	e->n = n;
	e->self = self;
	e->stopped_by = -1;
	e->req = calloc(n, sizeof(*e->req));
	e->flag = calloc(n, sizeof(*e->flag));
	e->done = calloc(n, sizeof(*e->done));
	if (!e->req || !e->flag || !e->done)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		e->req[i] = MPI_REQUEST_NULL;
		if (i != self)
			MPI_Irecv(&e->flag[i], 1, MPI_INT32_T, (int)i, TAG_END,
				  MPI_COMM_WORLD, &e->req[i]);
	}
	return 0;
}

/* The messages come so far; 1 when one of them says stop (the first such
 * sender, the lowest rank of a poll, is kept in e->stopped_by). */
static int ends_poll(struct ends *e)
{
	int stop = 0;

	for (unsigned int i = 0; i < e->n; i++) {
		int got = 0;

		if (i == e->self || e->done[i])
			continue;
		MPI_Test(&e->req[i], &got, MPI_STATUS_IGNORE);
		if (got)
			e->done[i] = 1;
	}
	for (unsigned int i = 0; i < e->n; i++) {
		if (!e->done[i] || !e->flag[i])
			continue;
		if (e->stopped_by < 0)
			e->stopped_by = (int)i;
		stop = 1;
	}
	return stop;
}

/*
 * Tell every other rank this one is done (@stop: they should stop too)
 * and wait for theirs. Returns 0, or 1 when @sig became set while waiting
 * (the others may be gone: do not wait for them).
 */
static int ends_finish(struct ends *e, int stop, const int *sig)
{
	int32_t mine = stop;
	MPI_Request *sreq = calloc(e->n, sizeof(*sreq));
	int left;

	for (unsigned int i = 0; i < e->n; i++) {
		sreq[i] = MPI_REQUEST_NULL;
		if (i != e->self)
			MPI_Isend(&mine, 1, MPI_INT32_T, (int)i, TAG_END,
				  MPI_COMM_WORLD, &sreq[i]);
	}
	do {
		int all = 0;

		ends_poll(e);
		MPI_Testall((int)e->n, sreq, &all, MPI_STATUSES_IGNORE);
		left = !all;
		for (unsigned int i = 0; i < e->n; i++)
			left |= i != e->self && !e->done[i];
		if (left) {
			if (sig && __atomic_load_n(sig, __ATOMIC_RELAXED)) {
				free(sreq);
				return 1;
			}
			usleep(1000);
		}
	} while (left);
	free(sreq);
	return 0;
}

static void ends_free(struct ends *e)
{
	fleet_meet_end(&e->meet, 1);
	free(e->req);
	free(e->flag);
	free(e->done);
}

/*
 * The pass hook: meet the others at the start of each pass and before
 * each read-back (step 2n, 2n + 1 of pass n). Waiting ends when all have
 * come or ended their runs, or on another rank's stop (which stops this
 * run too), a signal, or this run's deadline (the others may have met
 * theirs before coming).
 */
static int on_pass(uint64_t n, enum dgen_run_edge edge,
		   const struct dgen_run_pass *p, void *arg)
{
	struct ends *e = arg;
	uint64_t step = 2 * n + (edge == DGEN_RUN_VERIFY_BEGIN);
	double t0 = fleet_now();

	(void)p;
	if (edge == DGEN_RUN_PASS_END ||
	    (edge == DGEN_RUN_PASS_BEGIN && n == e->first_pass))
		return 0;
	fleet_meet_reach(&e->meet, step);
	for (;;) {
		int was = e->stopped_by;

		fleet_meet_poll(&e->meet);
		if (ends_poll(e)) {
			if (was < 0) {
				e->stonewalled = e->flag[e->stopped_by] ==
						 END_STONEWALL;
				dgen_run_stop(e->run);
			}
			break;
		}
		if (fleet_meet_met(&e->meet, step, e->done) ||
		    (e->sig && __atomic_load_n(e->sig, __ATOMIC_RELAXED)) ||
		    (e->time_s > 0 && fleet_now() - e->start_s >= e->time_s))
			break;
		usleep(200);
	}
	e->waited_s += fleet_now() - t0;
	return 0;
}

/*
 * The run's progress callback: another rank's stop stops this run; and on
 * rank 0 the caller's status lines, at the caller's interval.
 */
static void on_progress(const struct dgen_run_progress *p, void *arg)
{
	struct ends *e = arg;
	const struct dgen_run_opts *u = e->user;

	if (u && u->progress && u->progress_s > 0 && p->seconds >= e->user_next) {
		e->user_next = p->seconds + u->progress_s;
		u->progress(p, u->progress_arg);
	}
	if (e->stopped_by < 0 && ends_poll(e)) {
		e->stonewalled = e->flag[e->stopped_by] == END_STONEWALL;
		dgen_run_stop(e->run);
	}
}

/* A tree's run options: its directory (expanded), its files' stream ids after the
 * lower ranks'. */
static int rank_tree(const struct dgen_run_opts *j, struct dgen_fleet_out *out,
		     char *dir, struct dgen_run_tree *tree,
		     struct dgen_run_opts *o, char *msg, size_t msglen)
{
	struct dgen_fleet_rank *m = &out->mine;
	struct dgen_fleet_target *t = &m->targets[0];
	uint64_t base = j->params.stream_id, files = j->tree.files;
	int err;

	err = dgen_fleet_expand(dir, DGEN_FLEET_PATH_MAX, j->tree.dir,
				out->rank, out->host, msg, msglen);
	if (err == -ENAMETOOLONG)
		snprintf(msg, msglen, "%s: the expanded path is too long",
			 j->tree.dir);
	if (err)
		return err;
	*tree = j->tree;
	tree->dir = dir;
	o->tree = *tree;
	o->paths = NULL;
	o->npaths = 0;
	err = dgen_fleet_stream_id(base, out->rank, 0, files,
				   &o->params.stream_id);
	if (!err)
		err = dgen_fleet_stream_id(base, out->rank, files, files,
					   &(uint64_t){ 0 });
	if (err) {
		snprintf(msg, msglen, "--stream %llu: rank %u's stream ids pass 2^64",
			 (unsigned long long)base, out->rank);
		return err;
	}
	m->files = files;
	m->file_size = j->tree.file_size;
	m->ntargets = 1;
	snprintf(t->path, sizeof(t->path), "%s", dir);
	t->stream_id = o->params.stream_id;
	t->size = files * j->tree.file_size;
	t->first_bad = UINT64_MAX;
	t->first_bad_file = UINT64_MAX;
	return 0;
}

/* This rank's run options: its paths (or tree), stream ids or slice, its
 * rate. */
static int rank_opts(const struct dgen_run_opts *j, struct dgen_fleet_out *out,
		     char (*paths)[DGEN_FLEET_PATH_MAX], const char **pv,
		     struct dgen_run_tree *tree, struct dgen_run_opts *o,
		     char *msg, size_t msglen)
{
	struct dgen_fleet_rank *m = &out->mine;
	uint64_t base = j->params.stream_id;
	int err;

	*o = *j;
	o->rate = j->rate / out->size;
	if (j->rate && !o->rate)
		o->rate = 1;
	if (j->tree.dir)
		return rank_tree(j, out, paths[0], tree, o, msg, msglen);
	if (j->npaths > DGEN_FLEET_TARGETS_MAX) {
		snprintf(msg, msglen, "at most %u targets per rank under MPI",
			 DGEN_FLEET_TARGETS_MAX);
		return -EINVAL;
	}
	for (unsigned int k = 0; k < j->npaths; k++) {
		err = dgen_fleet_expand(paths[k], DGEN_FLEET_PATH_MAX, j->paths[k],
					out->rank, out->host, msg, msglen);
		if (err == -ENAMETOOLONG)
			snprintf(msg, msglen, "%s: the expanded path is too long",
				 j->paths[k]);
		if (err)
			return err;
		pv[k] = paths[k];
	}
	o->paths = pv;
	o->npaths = j->npaths;
	o->offset = j->offset;
	o->size = j->size;
	if ((j->flags & DGEN_RUN_SHARED)) {
		struct dgen_stream_params sp = j->params;
		struct dgen_stream_layout lay;
		struct dgen_stream *s;
		uint64_t unit = sp.dedup_unit, io = j->writer.io_size;
		uint64_t off, len;

		/* The slices start on whole writes and whole blocks. */
		if (io > unit && io % unit == 0)
			unit = io;
		else if (io && unit % io)
			unit *= io;
		sp.size = j->size;
		err = dgen_stream_new(&s, &sp, msg, msglen);
		if (err)
			return err;
		dgen_stream_layout_get(s, &lay);
		dgen_stream_free(s);
		err = dgen_fleet_slice(j->size, out->size, out->rank,
				       dgen_fleet_align(j->size, out->size,
							lay.dedup_window, unit),
				       &off, &len);
		if (err) {
			snprintf(msg, msglen, "--shared: %llu bytes cannot be cut into %u slices of whole %llu-byte writes",
				 (unsigned long long)j->size, out->size,
				 (unsigned long long)unit);
			return err;
		}
		o->offset = j->offset + off;
		o->size = len;
		o->stream_origin = off;
		o->stream_size = j->size;
	} else {
		err = dgen_fleet_stream_id(base, out->rank, 0, j->npaths,
					   &o->params.stream_id);
		if (!err)
			err = dgen_fleet_stream_id(base, out->rank, j->npaths,
						   j->npaths, &(uint64_t){ 0 });
		if (err) {
			snprintf(msg, msglen, "--stream %llu: rank %u's stream ids pass 2^64",
				 (unsigned long long)base, out->rank);
			return err;
		}
	}
	if (j->params.dedup_scope == DGEN_DEDUP_SCOPE_RUN &&
	    !j->params.scope_targets) {
		/* Every rank's targets: one dedup domain, ids from base on. */
		o->params.scope_targets = out->size * j->npaths;
		o->params.scope_index = out->rank * j->npaths;
	}
	m->ntargets = j->npaths;
	for (unsigned int k = 0; k < j->npaths; k++) {
		struct dgen_fleet_target *t = &m->targets[k];

		snprintf(t->path, sizeof(t->path), "%s", paths[k]);
		t->stream_id = o->params.stream_id + k;
		t->offset = o->offset;
		t->stream_origin = o->stream_origin;
		t->first_bad = UINT64_MAX;
		t->first_bad_file = UINT64_MAX;
	}
	return 0;
}

/* Shared files: rank 0 makes the file whole before the others open it, so
 * no rank's open races another's create or shrinks what it extended. */
static void shared_extend(const struct dgen_run_opts *j, struct dgen_run *r)
{
	struct dgen_target_info i;
	struct stat st;

	for (unsigned int k = 0; r && k < j->npaths; k++) {
		dgen_run_target_info(r, k, &i);
		if (i.type == DGEN_TARGET_FILE && !stat(i.path, &st) &&
		    (uint64_t)st.st_size < j->offset + j->size &&
		    truncate(i.path, (off_t)(j->offset + j->size)) < 0)
			fprintf(stderr, "dgen-uring: %s: cannot extend it: %m\n",
				i.path);
	}
}

/*
 * Two ranks on one host writing one path (not --shared, not "null") would
 * overwrite each other: the higher rank is refused; an object's URL names
 * the same object from any host. Every rank sees the same table, so every
 * rank comes to the same answer.
 */
static void refuse_clashes(struct refusal *all, unsigned int n, int shared)
{
	for (unsigned int i = 0; !shared && i < n; i++) {
		for (unsigned int k = 0; !all[i].err && k < all[i].npaths; k++) {
			const char *p = all[i].paths[k];

			if (!strcmp(p, DGEN_TARGET_NULL_PATH))
				continue;
			for (unsigned int h = 0; h <= i && !all[i].err; h++) {
				if (strcmp(all[h].host, all[i].host) &&
				    !dgen_objstore_url_is(p))
					continue;
				for (unsigned int q = 0; q < (h < i ? all[h].npaths : k); q++) {
					if (strcmp(all[h].paths[q], p))
						continue;
					all[i].err = -EEXIST;
					snprintf(all[i].msg, sizeof(all[i].msg),
						 h == i ? "%s is given twice" :
						 dgen_objstore_url_is(p) ?
						 "%s is rank %u's object too: put %%r in its key" :
						 "%s is rank %u's target too: put %%r in the path, or give --shared",
						 p, h);
					break;
				}
			}
		}
	}
}

/* Every rank's refusal, or none: the lines for rank 0's report. */
static int refusals(struct dgen_fleet_out *out, int shared, int err,
		    const char *msg)
{
	struct refusal *mine = calloc(1, sizeof(*mine)), *all;
	const struct dgen_fleet_rank *m = &out->mine;
	size_t len = 0;
	int any = 0;

	all = calloc(out->size, sizeof(*all));
	if (!all || !mine) {
		free(mine);
		free(all);
		return -ENOMEM;
	}
	mine->err = err;
	snprintf(mine->host, sizeof(mine->host), "%s", out->host);
	snprintf(mine->msg, sizeof(mine->msg), "%s", err ? msg : "");
	mine->npaths = err ? 0 : m->ntargets;
	for (unsigned int k = 0; k < mine->npaths; k++)
		memcpy(mine->paths[k], m->targets[k].path,
		       DGEN_FLEET_PATH_MAX);
	MPI_Allgather(mine, sizeof(*mine), MPI_BYTE, all, sizeof(*mine),
		      MPI_BYTE, MPI_COMM_WORLD);
	refuse_clashes(all, out->size, shared);
	for (unsigned int i = 0; i < out->size; i++)
		any |= all[i].err != 0;
	if (any && out->rank == 0) {
		out->refusals = calloc(out->size, MSG_MAX + 128);
		for (unsigned int i = 0; out->refusals && i < out->size; i++)
			if (all[i].err)
				len += (size_t)snprintf(out->refusals + len,
					MSG_MAX + 128, "rank %u (%s): %s\n", i,
					all[i].host, all[i].msg);
	}
	out->refused = any;
	free(mine);
	free(all);
	return 0;
}

/* This rank's figures from its run's result. */
static void rank_figures(struct dgen_fleet_rank *m,
			 const struct dgen_run_result *res)
{
	m->seconds = res->seconds;
	m->passes = res->npasses;
	m->stopped = res->stopped;
	m->error = res->error;
	m->error_target = (int32_t)res->error_target;
	m->error_offset = res->error_offset;
	dgen_latency_init(&m->latency);
	dgen_latency_merge(&m->latency, &res->latency[0]);
	dgen_latency_merge(&m->latency, &res->latency[1]);
	for (unsigned int p = 0; p < res->npasses; p++) {
		const struct dgen_run_pass *ps = &res->passes[p];

		m->written += ps->wr.bytes;
		m->read += ps->vr.bytes;
		/* Objects: a missing or cut object has no bad block. */
		m->mismatches += ps->vr.mismatches + ps->vr.bad_objects;
		for (unsigned int i = 0; i < ps->vr.reported; i++) {
			const struct dgen_verify_mismatch *x = &ps->list[i];
			struct dgen_fleet_target *t;

			if (m->files) {
				/* a tree: its one entry, the first file's */
				t = &m->targets[0];
				t->mismatches++;
				if (x->target < t->first_bad_file ||
				    (x->target == t->first_bad_file &&
				     x->offset < t->first_bad)) {
					t->first_bad_file = x->target;
					t->first_bad = x->offset;
				}
				continue;
			}
			if (x->target >= m->ntargets)
				continue;
			t = &m->targets[x->target];
			t->mismatches++;
			if (x->offset < t->first_bad)
				t->first_bad = x->offset;
		}
	}
}

/* Keep the run and its result on the rank that reports the fleet. */
static void keep_result(const struct dgen_run_opts *j, struct dgen_fleet_out *out)
{
	if (!out->ranks)
		return;
	out->fleet = (struct dgen_fleet_result) {
		.o = j, .nranks = out->size, .ranks = out->ranks,
		.mine = &out->mine, .report_s = out->report_s,
		.signalled = out->signalled,
	};
	out->res.fleet = &out->fleet;
}

int dgen_fleet_mpi_run(const struct dgen_run_opts *j, struct dgen_fleet_out *out)
{
	struct dgen_fleet_rank *m = &out->mine;
	struct dgen_run_opts *o = &out->o;
	struct ends e = { 0 };
	struct dgen_run_tree tree;
	struct dgen_run *r = NULL;
	struct fleet_share hs;
	char msg[MSG_MAX] = "";
	double t0 = 0;
	int err = -ENOMEM, stop;

	m->rank = out->rank;
	m->stopped_by = -1;
	m->error_target = -1;
	snprintf(m->host, sizeof(m->host), "%s", out->host);
	fleet_share_get(&hs);
	if (ends_begin(&e, out->size, out->rank) ||
	    fleet_meet_begin(&e.meet, out->size, out->rank))
		goto out;
	err = rank_opts(j, out, out->paths, out->pv, &tree, o, msg, sizeof(msg));
	if (!err)
		err = fleet_rank_plan(j, &hs, m, o, &out->topo, &out->plan, msg,
				      sizeof(msg));
	/* Another rank's stop reaches the run through @e (e.run is set
	 * before the run starts). */
	e.user = out->rank == 0 ? j : NULL;
	e.user_next = j->progress_s;
	o->progress = on_progress;
	o->progress_arg = &e;
	o->progress_s = 0.02;
	o->pass_hook = on_pass;
	o->notice = NULL;		/* no monitor, no health: nothing to say */
	e.first_pass = o->mode == DGEN_RUN_VERIFY_ONLY && o->pass ? o->pass : 1;
	e.time_s = o->time_s;
	e.sig = o->stop;
	/* Shared: rank 0 opens (and creates) first, the others after. */
	if ((j->flags & DGEN_RUN_SHARED) && out->rank != 0)
		MPI_Barrier(MPI_COMM_WORLD);
	if (!err)
		err = dgen_run_new(&r, o, msg, sizeof(msg));
	if ((j->flags & DGEN_RUN_SHARED) && out->rank == 0) {
		if (!err && o->mode != DGEN_RUN_VERIFY_ONLY)
			shared_extend(j, r);
		MPI_Barrier(MPI_COMM_WORLD);
	}
	if ((err = refusals(out, !!(j->flags & DGEN_RUN_SHARED), err, msg)) ||
	    out->refused)
		goto out;
	e.run = out->run = r;
	r = NULL;
	for (unsigned int k = 0; !j->tree.dir && k < j->npaths; k++) {
		struct dgen_target_info i;

		/* An object is no open target: its size is the one given. */
		if (dgen_run_opts_objects(j)) {
			m->targets[k].size = j->size;
			continue;
		}
		dgen_run_target_info(out->run, k, &i);
		m->targets[k].size = i.size;
	}
	MPI_Barrier(MPI_COMM_WORLD);
	m->start_s = e.start_s = fleet_now();
	if (dgen_run_exec(out->run, &out->res, msg, sizeof(msg)) == 0)
		rank_figures(m, &out->res);
	else
		m->error = -ENOMEM;
	m->end_s = fleet_now();
	m->stonewalled = e.stonewalled;
	m->stopped_by = e.stopped_by;
	m->waited_s = e.waited_s;
	/* Only the rank where a stop began sends it on. */
	stop = e.stopped_by >= 0 ? 0 : m->error ? END_STOP :
	       (j->flags & DGEN_RUN_STONEWALL) ? END_STONEWALL : 0;
	if ((j->stop && __atomic_load_n(j->stop, __ATOMIC_RELAXED)) ||
	    ends_finish(&e, stop, j->stop)) {
		out->signalled = 1;
		m->signalled = 1;
		fleet_last_exchange(out);
		keep_result(j, out);
		err = 0;
		goto out;
	}
	/* Every run has ended: no step can come any more. */
	fleet_meet_end(&e.meet, 0);
	t0 = fleet_now();
	if (out->rank == 0)
		out->ranks = calloc(out->size, sizeof(*out->ranks));
	MPI_Gather(m, sizeof(*m), MPI_BYTE, out->ranks, sizeof(*m), MPI_BYTE,
		   0, MPI_COMM_WORLD);
	out->report_s = fleet_now() - t0;
	keep_result(j, out);
	err = 0;
out:
	dgen_run_free(r);
	ends_free(&e);
	return err;
}
