/* SPDX-License-Identifier: MIT */
/*
 * run_impl.h - a run's state, and what its parts share
 *
 * The files call downwards only, in this order:
 *   run.c		the passes, dgen_run_new/exec/free
 *   run_objstore.c	the phases over objects (one, or a tree)
 *   run_tree.c		the phases over a tree of files
 *   run_fd.c		the phase of one stream to a descriptor
 *   run_phase.c	one phase through the engine, and the watch every
 *			phase runs under
 *   run_place.c	the plan on this machine; the unplaced defaults
 *   run_monitor.c	the run's own monitor: log, verdicts, plot, notices
 *   run_drive.c	around the targets: NVMe health, discard
 *   run_base.c		the clock, stops, errors, notices, streams
 * The reports (report*.c) read a run from above and are never called
 * from here.
 */
#ifndef DGEN_RUN_IMPL_H
#define DGEN_RUN_IMPL_H

#include <dgen/acked.h>
#include <dgen/discard.h>
#include <dgen/journal.h>
#include <dgen/nvme.h>
#include <dgen/placement.h>
#include <dgen/rate.h>
#include <dgen/run.h>
#include <dgen/topology.h>

#include "clock.h"

#define RUN_POLL_NS	10000000ull	/* how often the run's thread looks */

/* What objects did in one kind of phase (writes or reads), all passes. */
struct run_obj_fig {
	struct dgen_objstore_stats st;	/* summed; first_ns, last_ns unused */
	double seconds;			/* each phase's first request to its
					   last answer, summed */
	int phases;			/* phases of that kind that ran */
};

/* A bad object of a pass, as the run keeps them (the first max_report). */
struct run_obj_bad {
	uint64_t pass;
	struct dgen_objstore_bad b;
};

/* A run over objects (run_objstore.c): the store and what it did. */
struct run_obj {
	struct dgen_objstore *store;
	struct dgen_objstore_info info;
	struct dgen_objstore_plan plan;	/* pass 1's job's */
	const char *url;		/* the tree's directory or the one path */
	int tree;			/* a tree of objects, else one */
	uint64_t objects, size;		/* how many; payload bytes each */
	unsigned int nendpoints;
	const char **endpoints;		/* their URLs, as the monitor names them */
	struct run_obj_fig (*ep)[2];	/* per endpoint, per enum
					   dgen_writer_mode */
	struct run_obj_fig all[2];
	uint64_t bad_kinds[DGEN_OBJSTORE_BAD_KINDS];
	struct run_obj_bad *bad;	/* the first passes', lowest objects */
	unsigned int nbad;
	int error_endpoint, error_http;	/* the run's error's; -1, 0: none */
};

struct dgen_run {
	struct dgen_run_opts o;		/* o.tree.fanout, record_size set */
	struct dgen_target **targets;	/* paths: open for the whole run */
	struct dgen_stream **streams, **prev;
	unsigned int ntargets;		/* paths; 0 for a tree */
	struct dgen_run_pass *passes;
	unsigned int npasses, cap;
	uint64_t t_new, t0, deadline;	/* ns; deadline 0: none */
	uint64_t bytes_before;		/* bytes of the phases before this one */
	uint64_t bad_before;		/* mismatches of the passes before */
	uint64_t progress_t;		/* the last progress call */
	uint64_t listed;		/* mismatches kept in detail so far */
	struct dgen_rate rate;		/* formatted files' cap */
	struct dgen_run_result *res;	/* errors go here while running */
	int stop;			/* atomic: dgen_run_stop */
	struct dgen_monitor *monitor;	/* dgen_run_monitor_set, DGEN_RUN_WATCH */
	const char **watched;		/* DGEN_RUN_WATCH: the monitor's targets'
					   names (paths, or endpoints) */
	unsigned int nwatched;
	int hung, steady;		/* the monitor's verdicts on the run */
	struct dgen_writer *ready;	/* the first engine phase's writer,
					   made by dgen_run_new */
	/* DGEN_RUN_PLACE */
	struct dgen_topology *topo;
	struct dgen_plan *plan;
	struct dgen_run_thread *threads; /* plan->nthreads */
	/* DGEN_RUN_WATCH: the monitor is the run's own */
	int own_monitor;
	FILE *log;
	struct dgen_target_verdict *verdicts; /* after the passes */
	uint64_t *target_bytes;		/* per target, written */
	/* DGEN_RUN_HEALTH, DGEN_RUN_TRIM */
	struct dgen_nvme_watch *health;
	struct dgen_discard_result *trim;
	struct dgen_stream *fd_stream;	/* DGEN_RUN_FD */
	struct run_obj *obj;		/* objects, else NULL */
	/* The engine every writer of the run takes (run_engine.c), decided
	   once by dgen_run_new, and why. */
	enum dgen_engine engine;
	char engine_why[512];
	/* Flushes and the journal (run_journal.c): NULL unless asked. */
	struct dgen_acked *acked;
	struct dgen_journal *journal;
	uint64_t jpass;			/* the pass the engine writes now */
	uint64_t jended;		/* the last pass the journal ended */
	struct run_flush *flush;	/* per target */
};

/* What the flushes of a target did and made durable (run_journal.c). */
struct run_flush {
	struct dgen_latency lat;	/* every flush of every pass */
	uint64_t discarded;		/* failed flushes */
	struct dgen_range *durable;	/* the last pass's durable ranges */
	size_t ndurable;
	uint64_t durable_bytes;
	uint32_t unit;			/* the engine's unit on it */
};

/*
 * run_engine_pick - decide the run's engine once (o.writer.engine is set
 * to it): io_uring, or libaio where auto finds io_uring blocked, said in
 * one notice. Refuses (-EOPNOTSUPP, @msg) what needs io_uring on libaio.
 */
int run_engine_pick(struct dgen_run *r, char *msg, size_t msglen);

/* run_stopping - dgen_run_stop was called or the caller's flag is set. */
int run_stopping(const struct dgen_run *r);

/* run_past_deadline - the deadline has come. */
int run_past_deadline(const struct dgen_run *r);

/* run_stream_new - stream @id of pass @n, @size bytes. 0 or -errno, @msg. */
int run_stream_new(const struct dgen_run *r, struct dgen_stream **out,
		   uint64_t n, uint64_t id, uint64_t size, char *msg,
		   size_t msglen);

/* run_error - keep the run's first error. */
void run_error(struct dgen_run *r, int err, int64_t target, uint64_t offset,
	       const char *phase, const char *msg);

/* run_notice - tell the caller @fmt at once (dgen_run_opts.notice). */
__attribute__((format(printf, 2, 3)))
void run_notice(const struct dgen_run *r, const char *fmt, ...);

/*
 * What run_watch asks of a phase in flight: the engine's writer, or the
 * worker threads of formatted files.
 */
struct run_probe {
	int (*running)(void *arg);
	uint64_t (*bytes)(void *arg);
	uint64_t (*mismatches)(void *arg);
	void (*stop)(void *arg);
	void *arg;
	int monitored;			/* an engine phase: poll the monitor */
};

/*
 * run_watch - wait for a phase of pass @n: stop it at the deadline or on
 * a stop, and call the progress callback each progress_s.
 */
void run_watch(struct dgen_run *r, const struct run_probe *pr, uint64_t n,
	       enum dgen_writer_mode mode);

/*
 * run_tick - the progress callback, when progress_s has passed since the
 * last, with @bytes of the phase in flight of pass @n (and @bad bad blocks
 * of it). Returns non-zero when the phase should stop (a stop or the
 * deadline).
 */
int run_tick(struct dgen_run *r, uint64_t n, enum dgen_writer_mode mode,
	     uint64_t bytes, uint64_t bad);

/*
 * run_writer_new - the engine of a phase of @mode over @n targets with
 * their streams (and @prev, or NULL). 0 or -errno with @msg.
 */
int run_writer_new(struct dgen_run *r, struct dgen_writer **w,
		   enum dgen_writer_mode mode,
		   struct dgen_target *const *targets,
		   const struct dgen_stream *const *streams,
		   const struct dgen_stream *const *prev, unsigned int n,
		   char *msg, size_t msglen);

/*
 * run_engine_phase - one writer run of @mode over @n targets with their
 * streams (and @prev, or NULL); target k is reported as @first + k. Adds
 * what it did to @ph and its bad blocks to @keep. Returns 0 or the error,
 * also kept in the result.
 */
int run_engine_phase(struct dgen_run *r, uint64_t pass,
		     enum dgen_writer_mode mode, struct dgen_run_phase *ph,
		     struct dgen_mismatch_keep *keep,
		     struct dgen_target *const *targets,
		     const struct dgen_stream *const *streams,
		     const struct dgen_stream *const *prev,
		     unsigned int n, uint64_t first);

/* run_obj_check - dgen_run_new's part for objects. */
int run_obj_check(struct dgen_run *r, char *msg, size_t msglen);

/* run_obj_phase - one phase of pass @pass over every object. */
int run_obj_phase(struct dgen_run *r, uint64_t pass,
		  enum dgen_writer_mode mode, struct dgen_run_phase *ph,
		  struct dgen_mismatch_keep *keep);

/* run_obj_name - object @i's URL into @buf. */
const char *run_obj_name(const struct dgen_run *r, uint64_t i, char *buf,
			 size_t len);

/* run_obj_free - the store and what the run kept of its objects. */
void run_obj_free(struct dgen_run *r);

/* run_tree_name - file @i's path into @buf (a placeholder when too long). */
const char *run_tree_name(const struct dgen_run *r, uint64_t i, char *buf,
			  size_t len);

/* run_tree_check - dgen_run_new's part for a tree. */
int run_tree_check(struct dgen_run *r, char *msg, size_t msglen);

/* run_tree_phase - one phase of pass @pass over every file of the tree. */
int run_tree_phase(struct dgen_run *r, uint64_t pass,
		   enum dgen_writer_mode mode, struct dgen_run_phase *ph,
		   struct dgen_mismatch_keep *keep);

/* run_fd_check - dgen_run_new's part for a stream to a descriptor. */
int run_fd_check(struct dgen_run *r, char *msg, size_t msglen);

/* run_fd_phase - pass 1's one phase: the stream to the descriptor. */
int run_fd_phase(struct dgen_run *r, struct dgen_run_pass *p);

/*
 * run_place - DGEN_RUN_PLACE, before any target is opened: the machine's
 * topology and the CPU list checked. 0 or -errno with @msg.
 */
int run_place_machine(struct dgen_run *r, char *msg, size_t msglen);

/*
 * run_place_plan - the plan for the targets (open, or NULL for a dry
 * run); the writer options follow it. 0 or -errno with @msg.
 */
int run_place_plan(struct dgen_run *r, struct dgen_target *const *targets,
		   char *msg, size_t msglen);

/* run_place_defaults - an unplaced run's threads, I/O size and depth. */
void run_place_defaults(struct dgen_run *r);

/* run_place_threads - after an engine phase of a planned run: what each
 * thread of @w did. */
void run_place_threads(struct dgen_run *r, const struct dgen_writer *w);

/*
 * run_monitor_new - DGEN_RUN_WATCH: open the log and make the monitor for
 * @n targets named @names (kept for the run) of cohorts @kinds (NULL: one).
 * 0 or -errno with @msg.
 */
int run_monitor_new(struct dgen_run *r, const char *const *names,
		    const int *kinds, unsigned int n, char *msg, size_t msglen);

/* run_monitor_targets - run_monitor_new for the open target paths. */
int run_monitor_targets(struct dgen_run *r, char *msg, size_t msglen);

/* run_monitor_event - the monitor said @ev: keep the hang or steady state
 * and say so (notice). Returns non-zero on a hang. */
int run_monitor_event(struct dgen_run *r, unsigned int ev);

/* run_monitor_finish - after the passes: last interval, verdicts, plot. */
void run_monitor_finish(struct dgen_run *r);

/* run_monitor_free - the run's own monitor and its log. */
void run_monitor_free(struct dgen_run *r);

/*
 * run_journal_new - dgen_run_new's part for --flush-every and --journal,
 * once the targets are open and the engine's units known: the tracker,
 * the journal (refused on a target's device). 0 or -errno with @msg.
 */
int run_journal_new(struct dgen_run *r, char *msg, size_t msglen);

/* run_journal_begin - before pass @n's writes: its record, the tracker
 * reset. 0 or -errno (kept as the run's error). */
int run_journal_begin(struct dgen_run *r, uint64_t n);

/*
 * run_journal_end - after pass @n's writes: a last flush of every target,
 * journaled, and the pass's end when its writes went through @whole.
 * 0 or -errno (kept as the run's error).
 */
int run_journal_end(struct dgen_run *r, uint64_t n, int whole);

/* run_journal_free - the tracker, the journal, the figures. */
void run_journal_free(struct dgen_run *r);

/* run_drive_check - DGEN_RUN_TRIM: every target can discard. 0, -errno. */
int run_drive_check(struct dgen_run *r, char *msg, size_t msglen);

/*
 * run_drive_begin - before the first pass: the NVMe drives' identity and
 * health (DGEN_RUN_HEALTH), then the discard (DGEN_RUN_TRIM). 0 or -errno
 * with @msg (a discard failed).
 */
int run_drive_begin(struct dgen_run *r, char *msg, size_t msglen);

/* run_drive_pass - DGEN_RUN_HEALTH_PASSES around pass @n: non-zero when a
 * drive is unhealthy (said in a notice): the run ends after the pass. */
int run_drive_pass(struct dgen_run *r, uint64_t n, enum dgen_run_edge edge);

/* run_drive_end - after the passes: the health logs read and judged. */
void run_drive_end(struct dgen_run *r);

/* run_drive_free - the watches and the discard results. */
void run_drive_free(struct dgen_run *r);

#endif /* DGEN_RUN_IMPL_H */
