/* SPDX-License-Identifier: MIT */
/*
 * fdout_impl.h - one stream to a descriptor, with a hook between writes
 * (for a run: its progress and its stops)
 */
#ifndef DGEN_FDOUT_IMPL_H
#define DGEN_FDOUT_IMPL_H

#include <stdint.h>

#include <dgen/fdout.h>

/* Called between writes and when one was interrupted (EINTR), with the
 * bytes gone so far: non-zero ends the run early. */
struct fd_tick {
	int (*fn)(void *arg, uint64_t bytes);
	void *arg;
};

/* fd_write - dgen_stream_write_fd with @tick for its stop flag. */
int fd_write(const struct dgen_stream *s, int fd, unsigned int flags,
	     const struct fd_tick *tick, uint64_t *bytes_done,
	     struct dgen_fd_result *res);

#endif /* DGEN_FDOUT_IMPL_H */
