/* SPDX-License-Identifier: MIT */
/*
 * dgen/fdout.h - a stream to a pipe or any file descriptor
 */
#ifndef DGEN_FDOUT_H
#define DGEN_FDOUT_H

#include <stdint.h>

#include <dgen/stream.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Use write(2) even when @fd is a pipe (no vmsplice). */
#define DGEN_FD_NO_SPLICE	(1u << 0)

struct dgen_fd_result {
	uint64_t bytes;			/* bytes the reader was given */
	double seconds;
	int spliced;			/* vmsplice(2) carried the data */
	int reader_closed;		/* EPIPE: the reader went away first */
	uint32_t pipe_size;		/* the pipe's capacity, when a pipe */
};

/*
 * dgen_stream_write_fd - write @s's bytes [0, size) to @fd (a pipe, file,
 * terminal or socket; blocking). When @fd is a pipe the pages are handed
 * over with vmsplice(2), so the data is copied once, by the reader, not
 * twice; otherwise write(2). @stop, when not NULL, is polled between
 * writes: non-zero ends the run early. *@bytes_done (when not NULL) is
 * updated as data goes out, for a progress reader.
 *
 * SIGPIPE must be ignored by the caller: a reader that closes the pipe
 * ends the run with res->reader_closed set and a return of 0, since that
 * is how pipelines (`| head -c 1M`) end. Returns 0, or a negative errno
 * (-ENOMEM, or what write(2)/vmsplice(2) returned).
 */
int dgen_stream_write_fd(const struct dgen_stream *s, int fd,
			 unsigned int flags, const volatile int *stop,
			 uint64_t *bytes_done, struct dgen_fd_result *res);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_FDOUT_H */
