/* SPDX-License-Identifier: MIT */
/*
 * dgen/run.h - runs: every job of dgen-uring as one library call
 *
 * A run is what dgen-uring does with any command line, as a library call:
 * a sequence of passes over a set of targets (block devices, files, null),
 * over a tree of files (raw, or a dataset format), over objects in an S3
 * bucket or an Azure Blob container (one object, or a tree of them;
 * dgen/objstore.h), or one stream to a file descriptor (stdout). Pass p writes every target or file with the
 * streams of seed dgen_pass_seed(seed, p), and, verifying, reads
 * everything back and judges it against them, with pass p - 1's streams
 * to tell stale blocks. Around the passes, as the flags ask: a plan of
 * threads, CPUs and buffers on this machine (dgen/placement.h), a monitor
 * per target with its log, plot, watchdog and verdicts (dgen/monitor.h),
 * the NVMe drives' health (dgen/nvme.h) and a discard of each target
 * first (dgen/discard.h).
 *
 * The options (struct dgen_run_opts) say everything; they can be set by
 * name as the command line names them (dgen/opts.h). The threads, the
 * batches of files, the rate cap, the deadline, the hang handling and the
 * mismatches kept are the library's. dgen_run_exec runs on the caller's
 * thread, calls a progress callback there, and stops at any moment on
 * dgen_run_stop or a stop flag the caller owns (a signal handler's). The
 * reports of a run, human and JSON, are dgen/report.h's.
 */
#ifndef DGEN_RUN_H
#define DGEN_RUN_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/fdout.h>
#include <dgen/mismatch.h>
#include <dgen/monitor.h>
#include <dgen/objstore.h>
#include <dgen/stream.h>
#include <dgen/target.h>
#include <dgen/tree.h>
#include <dgen/writer.h>

#ifdef __cplusplus
extern "C" {
#endif

enum dgen_run_mode {
	DGEN_RUN_WRITE,			/* write each pass */
	DGEN_RUN_WRITE_VERIFY,		/* write, then read back, each pass */
	DGEN_RUN_VERIFY_ONLY,		/* read back one pass written earlier */
};

/* A tree of files (dgen/tree.h) as a run's targets; a tree of objects
 * when dir is an object store's URL (struct dgen_run_objects). */
struct dgen_run_tree {
	const char *dir;
	uint64_t files;
	uint64_t file_size;		/* payload bytes per file (raw: all) */
	uint32_t fanout;		/* 0: DGEN_TREE_FANOUT_DEFAULT */
	enum dgen_format format;
	uint32_t record_size;		/* TFRecord; 0: DGEN_RECORD_SIZE_DEFAULT */
};

/*
 * What a run does around its passes (dgen_run_opts.flags). PLACE, WATCH,
 * HEALTH and TRIM take target paths.
 */
#define DGEN_RUN_FORCE		(1u << 0)	/* write over a signature, or
						   replace an earlier tree's files */
#define DGEN_RUN_PLACE		(1u << 1)	/* plan threads, CPUs and buffers
						   on this machine's topology
						   (dgen/placement.h); writer
						   threads, io_size and
						   queue_depth 0: the plan's */
#define DGEN_RUN_WATCH		(1u << 2)	/* a monitor of its own (watch):
						   per-target figures, verdicts,
						   log, plot, the I/O watchdog */
#define DGEN_RUN_HEALTH		(1u << 3)	/* NVMe targets: identity and
						   Health log around the run */
#define DGEN_RUN_HEALTH_PASSES	(1u << 4)	/* and around each pass: an
						   unhealthy drive ends the run
						   after its pass */
#define DGEN_RUN_TRIM		(1u << 5)	/* discard each target's range
						   before the first pass */
#define DGEN_RUN_TRIM_ONLY	(1u << 6)	/* discard, and write nothing */
#define DGEN_RUN_FD		(1u << 7)	/* one stream of size bytes to
						   the descriptor fd */
#define DGEN_RUN_NO_SPLICE	(1u << 8)	/* fd: write(2), never vmsplice */
#define DGEN_RUN_DRY		(1u << 9)	/* plan only (as PLACE does): no
						   target opened, nothing written */
#define DGEN_RUN_SEED_DRAWN	(1u << 10)	/* the seed was drawn at random
						   (dgen_run_opts_seed): reports
						   say so */
#define DGEN_RUN_SHARED		(1u << 11)	/* a fleet: every rank writes a
						   slice of one stream to the
						   same targets (dgen/fleet.h) */
#define DGEN_RUN_STONEWALL	(1u << 12)	/* a fleet: every rank stops when
						   the first one ends */

/* Verdicts that fail a run (dgen_run_watch.fail_on, dgen/report.h). */
#define DGEN_FAIL_SLOW		(1u << 0)
#define DGEN_FAIL_CLIFF		(1u << 1)
#define DGEN_FAIL_TORN		(1u << 2)	/* --verify-crash: a write the
						   device promised atomic, torn */

/* A run's own monitor (DGEN_RUN_WATCH). */
struct dgen_run_watch {
	double interval_s;		/* rows, verdicts, the slowest target (1) */
	double io_timeout_s;		/* an I/O outstanding longer is a hang
					   (DGEN_IO_TIMEOUT_DEFAULT); 0: never */
	const char *log;		/* JSON lines, one per target per
					   interval, flushed as each ends */
	const char *plot;		/* an SVG of the run, drawn at its end */
	int steady;			/* stop once throughput is steady */
	struct dgen_steady_opts steady_opts;
	unsigned int fail_on;		/* DGEN_FAIL_*: the exit status says so */
};

/*
 * Objects as a run's targets (dgen/objstore.h). A run whose one target
 * path is an object store's URL, s3://BUCKET/KEY or az://CONTAINER/KEY,
 * writes that object (size bytes, offset 0); a run whose tree directory is
 * one, s3://BUCKET/PREFIX, writes a tree of objects whose keys are the
 * tree's paths under PREFIX (a dataset format's with its suffix). The
 * engine is libcurl's (dgen_objstore_job): writer.threads threads, each
 * with writer.queue_depth requests in flight per endpoint (0: the
 * defaults, CPUs and DGEN_OBJSTORE_DEPTH_DEFAULT), watch.io_timeout_s
 * bounding each request (0: a day), rate the run's cap. Existing keys are
 * refused unless DGEN_RUN_FORCE (which replaces them; nothing is ever
 * deleted); verify-only reads whatever is there: a missing object is a
 * bad object. DGEN_RUN_WATCH watches the endpoints as a run over paths
 * watches its targets.
 */
struct dgen_run_objects {
	const char *endpoints[DGEN_OBJSTORE_ENDPOINTS_MAX]; /* URLs; objects
					   spread over them (none: the
					   configured one) */
	unsigned int nendpoints;
	uint64_t part_size;		/* 0: DGEN_OBJSTORE_PART_SIZE_DEFAULT */
	unsigned int retries;		/* tries after a retryable failure */
	unsigned int flags;		/* DGEN_OBJSTORE_SIGNED_PAYLOAD */
};

/*
 * Raw files of a tree go through the writer a batch at a time, as many as
 * may be open at once (the descriptor limit, raised to the hard one) and
 * at most this many; DGEN_TREE_BATCH in the environment asks for fewer.
 */
#define DGEN_RUN_BATCH_MAX	8192u

/* What a progress callback is told, from the thread of dgen_run_exec. */
struct dgen_run;

struct dgen_run_progress {
	const struct dgen_run *run;	/* the run it is of */
	uint64_t pass;
	enum dgen_writer_mode phase;	/* writing or reading back */
	uint64_t bytes;			/* written + read back, whole run */
	uint64_t mismatches;		/* bad blocks (and framing errors) so far */
	double seconds;			/* since the run began */
};

/* Where a pass hook is called (dgen_run_opts.pass_hook). */
enum dgen_run_edge {
	DGEN_RUN_PASS_BEGIN,		/* before the pass's first phase */
	DGEN_RUN_PASS_END,		/* after its last, however it ended */
	DGEN_RUN_VERIFY_BEGIN,		/* between its writes and its read-back
					   (write and verify runs only) */
};

struct dgen_run_pass;

/* A pass hook (dgen_run_opts.pass_hook): non-zero ends the run after the
 * pass. */
typedef int (*dgen_run_pass_fn)(uint64_t n, enum dgen_run_edge edge,
				const struct dgen_run_pass *p, void *arg);

struct dgen_run_opts {
	enum dgen_run_mode mode;
	/* Targets: @npaths paths (a block device, a regular file, or
	   DGEN_TARGET_NULL_PATH), each written from @offset for @size bytes
	   (0: to its end); or, with @paths NULL, the tree @tree (tree.dir
	   set); or, with DGEN_RUN_FD, @size bytes of one stream to @fd. */
	const char *const *paths;
	unsigned int npaths;
	uint64_t offset, size;
	struct dgen_run_tree tree;
	int fd;
	unsigned int flags;		/* DGEN_RUN_* */
	/* Data: seed is pass 1's, stream_id the first target's or file's
	   (target k, file i: stream_id + k, + i); size is set per target. */
	struct dgen_stream_params params;
	/* Slices of a longer stream (paths only; 0: none): target k's bytes
	   are bytes [stream_origin, stream_origin + its size) of stream
	   stream_id + k of stream_size bytes (dgen_stream_view_new), so runs
	   on several hosts lay down one stream between them. */
	uint64_t stream_origin, stream_size;
	/* Passes. */
	uint64_t pass;			/* verify-only: the pass that wrote the
					   data (default 1) */
	uint64_t passes;		/* 0: one, or as many as time_s allows */
	double time_s;			/* stop at this deadline; 0: none */
	uint64_t rate;			/* bytes per second, all threads; 0: no cap */
	uint32_t max_report;		/* mismatches of the run kept in detail:
					   the first passes', by target and offset */
	/* The engine's options (I/O size, depth, threads, pattern, ring,
	   placement plan); mode, prev_streams, max_report and rate are the
	   run's. Formatted files take threads workers, through the page cache. */
	struct dgen_writer_opts writer;
	/* DGEN_RUN_PLACE: run the threads on these CPUs ("0-3,8"); NULL:
	   the plan's. */
	const char *cpus;
	/* --cpus-policy shared: each thread may run on the CPUs of all the
	   plan's threads on its node (dgen_plan.cpus_shared); 0: on its own. */
	int cpus_shared;
	/* DGEN_RUN_WATCH: the monitor's settings. */
	struct dgen_run_watch watch;
	/* Progress every progress_s seconds (0: never). */
	double progress_s;
	void (*progress)(const struct dgen_run_progress *p, void *arg);
	void *progress_arg;
	/* Polled (atomically): non-zero stops the run as dgen_run_stop does.
	   NULL: none. */
	const int *stop;
	/* With a monitor (dgen_run_monitor_set), each DGEN_MONITOR_* event
	   as it happens, on the thread of dgen_run_exec (progress_arg). */
	void (*event)(unsigned int ev, void *arg);
	/* Around each pass, on the thread of dgen_run_exec (progress_arg):
	   (n, DGEN_RUN_PASS_BEGIN) before pass n's first phase, and
	   (n, DGEN_RUN_PASS_END) after its last, with what the pass did in
	   @p (valid during the call); every begin has its end, a pass cut short, stopped or failed
	   included; and in a pass that writes and reads back,
	   (n, DGEN_RUN_VERIFY_BEGIN) between the two, when the writes went
	   through whole. Something to check between passes (a drive's
	   health), a point for runs on many hosts to meet: a non-zero return
	   ends the run after this pass (res->hook_ended). NULL: none. */
	dgen_run_pass_fn pass_hook;
	/* Something to tell the user at once, as a sentence without a
	   newline, on the thread of dgen_run_exec (progress_arg): a hang, a
	   steady state, a drive unhealthy after a pass, a plot not written.
	   NULL: none. */
	void (*notice)(const char *msg, void *arg);
	/* DGEN_GIVEN_*: the options dgen_run_opts_set was given (dgen/opts.h),
	   for the rules that depend on what was asked, not its value. */
	unsigned int given;
	/* Objects: the store's endpoints, parts and retries. */
	struct dgen_run_objects objects;
	/* Power-loss verify (doc/power-loss.md), writing target paths: each
	   target is flushed every flush_every bytes acknowledged (0: never,
	   or DGEN_FLUSH_EVERY_DEFAULT with a journal) and after each pass's
	   writes, and its flush latency reported; with @journal, what each
	   flush made durable is appended to that file (opened with
	   DGEN_JOURNAL_CYCLE: a loop of cycles keeps one), which must not
	   share a device with any target. @fua: every write RWF_DSYNC. */
	const char *journal;
	uint64_t flush_every;
	unsigned int fua;
	const char *journal_options;	/* a JSON object on one line, copied
					   into the journal's header (the
					   tool's command line); NULL */
	/* --verify-crash FILE: judge the targets after a crash from this
	   journal alone (dgen/crash.h; dgen_crash_job): a job of its own. */
	const char *verify_crash;
};

/* The flush interval per target when a journal is kept and none is given. */
#define DGEN_FLUSH_EVERY_DEFAULT	(256ull << 20)

/* dgen_run_opts_init - one pass of writing, 20 mismatches kept, no cap;
 * the watch's defaults (1 s, DGEN_IO_TIMEOUT_DEFAULT, no log); objects:
 * the configured endpoint, DGEN_OBJSTORE_RETRIES_DEFAULT. */
void dgen_run_opts_init(struct dgen_run_opts *o);

/* What one phase (writing or reading back) of a pass did. */
struct dgen_run_phase {
	uint64_t bytes;			/* bytes written or read */
	uint64_t mismatches;		/* bad blocks */
	uint64_t kinds[DGEN_MISMATCH_KINDS]; /* of them, by kind */
	uint64_t bad_sectors;
	uint64_t framing;		/* formatted files: framing errors */
	uint64_t files;			/* trees: files done in full */
	uint64_t ops;			/* engine: I/Os completed in full;
					   objects: data requests */
	uint64_t short_writes;		/* engine: completions that did less */
	uint64_t retries;		/* engine: resubmissions (-EAGAIN);
					   objects: retried requests */
	uint64_t bad_objects;		/* objects: missing, short, long or
					   with bad blocks or framing */
	double seconds;
	unsigned int reported;		/* entries of the pass's list */
	unsigned int ring_features;	/* DGEN_RING_* the writer used */
	unsigned int writer_runs;	/* raw trees: batches */
	int stopped;			/* cut short (deadline or stop) */
};

struct dgen_run_pass {
	uint64_t n, seed;		/* its number and dgen_pass_seed */
	struct dgen_run_phase wr, vr;
	int wrote, verified;		/* which phases ran */
	int cut;			/* the deadline or a stop ended it */
	const struct dgen_verify_mismatch *list; /* vr.reported entries;
					   target: index of target or file */
};

/* One thread of a planned run, as its last engine phase left it. */
struct dgen_run_thread {
	int started;			/* it set up: @info is valid */
	struct dgen_writer_thread_info info;
};

struct dgen_fleet_result;

struct dgen_run_result {
	const struct dgen_run_pass *passes; /* valid until dgen_run_free */
	unsigned int npasses;
	int stopped;			/* dgen_run_stop or *stop was seen */
	double seconds;			/* the whole run */
	int error;			/* the first I/O error, -errno; 0: none */
	int64_t error_target;		/* its target or file, -1: none */
	uint64_t error_offset;
	const char *error_phase;	/* "write", "read", "open for write",
					   "open for read", "start", "flush"
					   (a pass's last), "journal" */
	char error_msg[256];		/* a sentence, for a "start" error */
	int64_t framing_target;		/* the first framing error's file, -1 */
	uint64_t framing_offset;
	int hung;			/* the monitor's watchdog fired: the
					   writer was abandoned, its threads
					   may still wait in the kernel */
	int steady;			/* the steady-state test ended the run */
	uint64_t hook_ended;		/* the pass after which the pass hook
					   ended the run; 0: it did not */
	/* Submit to completion of each I/O of the engine's phases (paths and
	   raw trees), indexed by enum dgen_writer_mode: writes, reads. */
	struct dgen_latency latency[2];
	double wall_seconds;		/* from dgen_run_new to the end of
					   dgen_run_exec (trees: making the
					   directories and files included) */
	double user_s, sys_s;		/* the process's CPU time during the
					   passes */
	const uint64_t *target_bytes;	/* paths: bytes written to each target,
					   all passes (valid until dgen_run_free) */
	const struct dgen_run_thread *threads; /* DGEN_RUN_PLACE: each planned
					   thread; NULL otherwise */
	unsigned int nthreads;
	struct dgen_fd_result fd;	/* DGEN_RUN_FD: what went out */
	int unhealthy;			/* DGEN_RUN_HEALTH: a drive judged
					   unhealthy after the run or a pass */
	/* Set by a fleet (dgen/fleet.h) on the rank that reports: every
	   rank's figures; the reports are then the fleet's. */
	const struct dgen_fleet_result *fleet;
	/* A timed run (time_s): seconds from the deadline, when submitting
	   stopped, to the last I/O in flight ending (the drain). A device
	   too slow to drain is caught by the watchdog: no I/O outstanding
	   past the I/O timeout, so the drain is at most that. */
	double drain_s;
};

struct dgen_run;

/*
 * dgen_run_new - check @o and its targets before anything is written:
 * read the machine's topology (DGEN_RUN_PLACE: a pretend one only plans,
 * with DGEN_RUN_DRY), open the targets (verify-only: they must hold the
 * data already, and a missing file is not made; DGEN_RUN_DRY: none), make
 * the plan for them, the first pass's engine, the monitor and its log
 * (DGEN_RUN_WATCH), check that each target can discard (DGEN_RUN_TRIM);
 * or prepare the tree (make its directories, refuse existing files unless
 * DGEN_RUN_FORCE; verify-only: every file must be there, a raw one at its
 * size); or, for objects, read the store's configuration, check the
 * bucket answers and (writing) that no key exists unless DGEN_RUN_FORCE;
 * or, for DGEN_RUN_FD, the stream. Verifying, the I/O size must be
 * a multiple of the dedup unit (raw targets). @o is copied; its paths,
 * tree directory, plan, log and plot names and progress argument must
 * outlive the run.
 *
 * Returns 0 and sets *@out, or a negative errno with a sentence in @msg:
 * -EINVAL, -EEXIST, -ENOENT, -ENOSPC, -EOPNOTSUPP, or what
 * dgen_target_open, dgen_plan_new_paths, dgen_tree_prepare,
 * dgen_objstore_new or dgen_objstore_prepare returned.
 */
int dgen_run_new(struct dgen_run **out, const struct dgen_run_opts *o,
		 char *msg, size_t msglen);

/*
 * dgen_run_exec - run the passes on this thread until the last pass, the
 * deadline, a stop, a hang or an I/O error (which ends the run: the error
 * is in @res and the return is still 0); with DGEN_RUN_HEALTH the drives'
 * logs are read before and after, with DGEN_RUN_TRIM the targets are
 * discarded first, with DGEN_RUN_WATCH the verdicts are made and the plot
 * drawn after. The result is valid until dgen_run_free. Returns 0, or a
 * negative errno with @msg when the run could not go on at all (out of
 * memory, a discard that failed: nothing to report).
 */
int dgen_run_exec(struct dgen_run *r, struct dgen_run_result *res,
		  char *msg, size_t msglen);

/*
 * dgen_run_monitor_set - give a run over target paths per-target figures
 * from a monitor of the caller's (DGEN_RUN_WATCH makes one of the run's
 * own, with its log, verdicts and plot):
 * each engine phase keeps dgen_writer_opts.target_stats and is attached to
 * @m (dgen/monitor.h, made by the caller for the run's targets in their
 * order, dgen_run_target_info), which the run polls while it waits. The
 * monitor's watchdog ends the run with -ETIMEDOUT and the hang in the
 * result (res->hung) without waiting for the stuck I/O; its steady-state
 * test ends the run as the deadline does (res->steady). Call it before
 * dgen_run_exec; @m must outlive the run.
 *
 * Returns 0, or -EINVAL for a run over a tree of files or one that has
 * its own monitor.
 */
int dgen_run_monitor_set(struct dgen_run *r, struct dgen_monitor *m);

/*
 * dgen_run_stop - end the run soon (within about 10 ms): the writes in
 * flight finish and are counted, the pass is cut, nothing more starts.
 * Async-signal-safe, from any thread, before or during dgen_run_exec.
 */
void dgen_run_stop(struct dgen_run *r);

/*
 * dgen_run_target_name - the path of target or file @k into @buf (an
 * object's URL, s3://BUCKET/KEY); returns @buf (a "(file N)" placeholder
 * for a path too long).
 */
const char *dgen_run_target_name(const struct dgen_run *r, uint64_t k,
				 char *buf, size_t len);

/* dgen_run_target_info - target @k of a run over paths (not a tree). */
void dgen_run_target_info(const struct dgen_run *r, unsigned int k,
			  struct dgen_target_info *out);

/*
 * dgen_run_target - target @k of a run over paths (not a tree), open for
 * the whole run, for what a caller does beside it (a discard before the
 * first pass); NULL past the last.
 */
struct dgen_target *dgen_run_target(const struct dgen_run *r, unsigned int k);

/*
 * dgen_run_opts_get - the options @r runs with: @o's as given to
 * dgen_run_new, with the defaults and the plan's threads, I/O size and
 * depth filled in.
 */
const struct dgen_run_opts *dgen_run_opts_get(const struct dgen_run *r);

/*
 * dgen_run_engine - the engine every writer of @r takes, decided once by
 * dgen_run_new (o.writer.engine: auto picks io_uring where a ring can be
 * made, libaio where the kernel refuses one), and in *@why (when not NULL;
 * valid until dgen_run_free) a sentence saying why: asked for, io_uring
 * available, or the cause that blocks io_uring (a seccomp filter, the
 * sysctl kernel.io_uring_disabled, a kernel without it).
 */
enum dgen_engine dgen_run_engine(const struct dgen_run *r, const char **why);

/*
 * dgen_run_free - close the targets and release @r; NULL is allowed. After
 * a hang (res->hung) the abandoned engine may still use what the run
 * made, so only what it cannot reach is released: the caller should leave
 * the process soon (_exit) rather than wait for the stuck I/O.
 */
void dgen_run_free(struct dgen_run *r);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_RUN_H */
