// SPDX-License-Identifier: MIT
/*
 * run_fd.c - a run that writes one stream to a file descriptor
 * (DGEN_RUN_FD: dgen-uring --stdout)
 *
 * The stream goes out on the run's own thread (src/fdout.c: vmsplice to
 * a pipe), so a signal that interrupts a blocked write is seen at once;
 * between writes the run's tick calls the progress callback and looks for
 * a stop. A reader that closes the pipe ends the run without an error
 * (res->fd.reader_closed): that is how pipelines end.
 */
#include <errno.h>
#include <stdio.h>

#include "fdout_impl.h"
#include "run_impl.h"

int run_fd_check(struct dgen_run *r, char *msg, size_t msglen)
{
	struct dgen_stream_params p = r->o.params;

	if (!r->o.size) {
		snprintf(msg, msglen, "--stdout needs --size: the stream's layout depends on its length");
		return -EINVAL;
	}
	p.size = r->o.size;
	return dgen_stream_new(&r->fd_stream, &p, msg, msglen);
}

static int fd_tick(void *arg, uint64_t bytes)
{
	struct dgen_run *r = arg;

	return run_tick(r, 1, DGEN_MODE_WRITE, bytes, 0);
}

int run_fd_phase(struct dgen_run *r, struct dgen_run_pass *p)
{
	const struct fd_tick tick = { fd_tick, r };
	struct dgen_fd_result *res = &r->res->fd;
	int err;

	p->wrote = 1;
	err = fd_write(r->fd_stream, r->o.fd,
		       r->o.flags & DGEN_RUN_NO_SPLICE ? DGEN_FD_NO_SPLICE : 0,
		       &tick, NULL, res);
	p->wr.bytes = res->bytes;
	p->wr.seconds = res->seconds;
	p->wr.stopped = p->cut = run_stopping(r);
	p->wr.files = !err && res->bytes == r->o.size;
	r->bytes_before += res->bytes;
	if (err)
		run_error(r, err, -1, res->bytes, "write", NULL);
	return err;
}
