/* SPDX-License-Identifier: MIT */
/*
 * engine.h - the per-thread I/O engine under the writer: io_uring or libaio
 *
 *   engine_uring.c  io_uring: a ring (flags from ring.c), registered
 *                   buffers and files, SQEs, CQEs, the async cancel
 *   engine_aio.c    libaio: an io_context, iocbs, io_submit, io_getevents
 *   engine_pick.c   which of the two a run takes, and why (dgen/writer.h)
 *
 * One thread owns an engine and alone calls it: prepare an I/O (a write
 * or read of a buffer at an offset of a file, a NOP, a data sync) with a
 * pointer of the caller's that comes back with its completion, submit,
 * reap completions as bytes done or -errno, cancel what can be. The
 * writer (writer_loop.c, writer_io.c) knows nothing else of either.
 *
 * The kind is a field, tested inline by the calls that matter per I/O,
 * so io_uring's path costs one predictable branch more than it did alone.
 */
#ifndef DGEN_ENGINE_H
#define DGEN_ENGINE_H

#include <libaio.h>
#include <liburing.h>
#include <stdint.h>
#include <sys/uio.h>

#include <dgen/writer.h>

/* A completion with this tag is no I/O: a wake-up, or a cancel's answer. */
#define ENG_WAKE	((uint64_t)-1)

enum eng_op {
	ENG_WRITE,
	ENG_READ,
	ENG_NOP,			/* completes with 0 at once: a null target */
	ENG_FSYNC,			/* fdatasync of the file */
};

/* A completion: the caller's pointer, and bytes done or -errno. */
struct eng_done {
	void *data;
	int res;
};

/* libaio's state: a control block per I/O in flight. */
struct eng_aio {
	io_context_t ctx;
	struct iocb *cbs;		/* @entries of them */
	unsigned char *busy;		/* cbs[i] is queued or in flight */
	unsigned int *free, nfree;
	struct iocb **queued;		/* prepared, not yet submitted */
	unsigned int nqueued;
	struct io_event *ev;		/* one io_getevents' answer */
	struct eng_done *ready;		/* completions not yet reaped (data:
					   the iocb, which holds its entry) */
	unsigned int nready;
	unsigned int inflight;		/* submitted, not yet completed */
};

struct dgen_eng {
	enum dgen_engine kind;		/* IO_URING or LIBAIO */
	unsigned int entries;
	unsigned int features;		/* io_uring: DGEN_RING_* in use */
	int ok;				/* set up: eng_exit has work */
	int rw_flags;			/* RWF_* on every write (RWF_DSYNC:
					   --fua), set by the owner */
	int woken;			/* a wake-up or timeout seen: the owner
					   checks for a stop (eng_woken) */
	struct io_uring ring;
	struct eng_aio aio;
};

/*
 * eng_init - @e of @kind for @entries I/Os in flight at once; io_uring
 * with the best flags the kernel takes plus the DGEN_RING_* in @want
 * (SQPOLL, IOPOLL, URING_CMD). Run on the owner's thread. Returns 0, or
 * -errno: -EAGAIN from libaio's io_setup when fs.aio-max-nr is reached,
 * -EOPNOTSUPP when @want asks libaio for what only io_uring has.
 */
int eng_init(struct dgen_eng *e, enum dgen_engine kind, unsigned int entries,
	     unsigned int want);

/*
 * eng_register - register the @n buffers @iov and the @nfd files @fds with
 * io_uring where it can (a memlock limit may refuse them; plain I/O still
 * works). Sets DGEN_RING_FIXED_BUFFERS / _FILES in e->features; with
 * FIXED_FILES, files are then named by index into @fds, otherwise by fd.
 * libaio has nothing to register: its buffers are plain aligned memory.
 */
void eng_register(struct dgen_eng *e, const struct iovec *iov, unsigned int n,
		  const int *fds, unsigned int nfd);

/*
 * eng_prep - queue @op of @len bytes of @buf at @off of @file (an index or
 * an fd, as eng_register says; ignored for ENG_NOP), registered buffer
 * @buf_index (-1: none); its completion carries @data. At most @entries
 * may be queued or in flight. Returns 0 or -EBUSY when none is free.
 */
int eng_prep(struct dgen_eng *e, enum eng_op op, int file, void *buf,
	     uint32_t len, uint64_t off, int buf_index, void *data);

/* eng_uring_sqe - io_uring only: a free SQE for a command built by the
 * caller (NVMe passthrough). NULL when none is free. */
struct io_uring_sqe *eng_uring_sqe(struct dgen_eng *e);

/*
 * eng_submit - hand what is queued to the kernel and wait for @wait_nr
 * completions (0: none). libaio waits at most a second, then sets
 * e->woken. Returns >= 0, or -errno when the engine itself failed (an
 * I/O the kernel refuses completes with its error instead).
 */
int eng_submit(struct dgen_eng *e, unsigned int wait_nr);

/*
 * eng_reap - move up to @max completions ready to @out. Wake-ups and
 * cancel answers are not I/O: they set e->woken instead. Returns the count.
 */
unsigned int eng_reap(struct dgen_eng *e, struct eng_done *out,
		      unsigned int max);

/*
 * eng_cancel - ask to cancel every I/O in flight; the cancelled complete
 * (io_uring: -ECANCELED) through eng_reap, the rest as they will. libaio
 * cancels next to nothing on files and block devices, and an I/O that
 * never completes keeps io_destroy (eng_exit) waiting for ever: the owner
 * of a hung one must leave it, not tear it down. Returns 0 or -errno.
 */
int eng_cancel(struct dgen_eng *e);

/* eng_woken - whether a wake-up came since the last call (and clear it). */
static inline int eng_woken(struct dgen_eng *e)
{
	int w = e->woken;

	e->woken = 0;
	return w;
}

/* eng_wake_fd - the fd dgen_ring_wake posts into (io_uring), or -1. */
int eng_wake_fd(const struct dgen_eng *e);

/* eng_exit - tear @e down (if made); waits for what is in flight. */
void eng_exit(struct dgen_eng *e);

/*
 * eng_explain - words to add to @err from an engine of @kind whose
 * threads held @ios I/Os in all (threads x queue depth), for the report:
 * libaio's -EAGAIN names fs.aio-max-nr and the numbers, io_uring's EPERM,
 * EACCES or ENOSYS the cause found. Empty when there is nothing to add.
 */
void eng_explain(int err, enum dgen_engine kind, uint64_t ios, char *buf,
		 size_t len);

/*
 * eng_uring_cause - why io_uring_setup failed with @err here: a seccomp
 * filter, kernel.io_uring_disabled and its value, a kernel without it.
 */
void eng_uring_cause(int err, char *buf, size_t len);

#endif /* DGEN_ENGINE_H */
