// SPDX-License-Identifier: MIT
/*
 * stdout.c - dgen-uring --stdout: one stream to standard output
 *
 * For `dgen-uring --stdout --size 10G | uploader`. The data goes to stdout
 * (vmsplice when it is a pipe, see src/fdout.c), so the report goes to
 * stderr. A reader that closes the pipe early is how a pipeline such as
 * `| head -c 1M` ends, not a failure: SIGPIPE is ignored, EPIPE ends the
 * run, the report says "reader closed the pipe after N bytes" and the exit
 * status is 0. A failing uploader reports its own failure through its exit
 * status (set -o pipefail).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jobs.h"
#include "signals.h"
#include "util.h"

static void report(const struct job *j, const struct dgen_stream *s,
		   const struct dgen_fd_result *res, const char *status,
		   int err)
{
	const struct dgen_stream_params *p = dgen_stream_params_get(s);
	double gbps = res->seconds > 0 ? (double)res->bytes / res->seconds / 1e9 : 0;
	const char *how = res->spliced ? "vmsplice" : "write";

	if (j->json) {
		fprintf(stderr, "{\n  \"dgen-uring\": \"%s\",\n  \"status\": \"%s\",\n",
			DGEN_VERSION_STRING, status);
		fprintf(stderr, "  \"seed\": %llu,\n  \"seed_drawn\": %s,\n",
			(unsigned long long)j->seed, j->seed_drawn ? "true" : "false");
		fprintf(stderr, "  \"stdout\": { \"size\": %llu, \"method\": \"%s\", \"pipe_size\": %u, \"reader_closed\": %s },\n",
			(unsigned long long)p->size, how, res->pipe_size,
			res->reader_closed ? "true" : "false");
		fprintf(stderr, "  \"stream\": { ");
		json_stream(stderr, p, p->seed, p->stream_id, p->size,
			    JSON_STREAM_ID | JSON_STREAM_SIZE);
		fprintf(stderr, " },\n");
		fprintf(stderr, "  \"bytes\": %llu,\n  \"seconds\": %.6f,\n  \"gbps\": %.6f",
			(unsigned long long)res->bytes, res->seconds, gbps);
		if (err) {
			fprintf(stderr, ",\n  \"error\": { \"errno\": %d, \"message\": ",
				-err);
			json_string_to(stderr, strerror(-err));
			fprintf(stderr, " }");
		}
		fprintf(stderr, "\n}\n");
		return;
	}
	fprintf(stderr, "dgen-uring %s: stdout (%s%s), size %llu\n",
		DGEN_VERSION_STRING, how,
		res->pipe_size ? ", pipe" : "", (unsigned long long)p->size);
	fprintf(stderr, "  seed %llu%s\n", (unsigned long long)j->seed,
		j->seed_drawn ? " (drawn at random: give --seed to repeat)" : "");
	fprintf(stderr, "    stream %llu: dedup %g (unit %u), compress %g, stream format %d\n",
		(unsigned long long)p->stream_id, p->dedup_ratio, p->dedup_unit,
		p->compress_ratio, DGEN_STREAM_FORMAT_VERSION);
	fprintf(stderr, "  write: %llu bytes in %.3f s, %.3f GB/s\n",
		(unsigned long long)res->bytes, res->seconds, gbps);
	fprintf(stderr, "  status: %s", status);
	if (res->reader_closed)
		fprintf(stderr, " (reader closed the pipe after %llu bytes)",
			(unsigned long long)res->bytes);
	if (err)
		fprintf(stderr, " (%s)", strerror(-err));
	fputc('\n', stderr);
}

int stdout_run(const struct job *j)
{
	struct dgen_stream_params p = j->params;
	struct dgen_fd_result res;
	struct dgen_stream *s = NULL;
	const char *status = "ok";
	char msg[512];
	int rc = 0, err;

	if (!j->size) {
		fprintf(stderr, "dgen-uring: --stdout needs --size: the stream's layout depends on its length\n");
		return EXIT_USAGE;
	}
	p.stream_id = j->stream;
	p.size = j->size;
	err = dgen_stream_new(&s, &p, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "dgen-uring: %s\n", msg);
		return EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	/* The handlers (signals.c) do not restart: a blocked vmsplice
	 * returns at once on SIGINT. */
	err = dgen_stream_write_fd(s, STDOUT_FILENO,
				   j->no_splice ? DGEN_FD_NO_SPLICE : 0,
				   &tool_stop, NULL, &res);
	if (err) {
		status = "error";
		rc = EXIT_IO;
		fprintf(stderr, "dgen-uring: writing to stdout failed after %llu bytes: %s\n",
			(unsigned long long)res.bytes, strerror(-err));
	} else if (res.reader_closed) {
		status = "closed";
	} else if (tool_stopped()) {
		status = "interrupted";
		rc = EXIT_INTR;
	}
	signals_report();
	report(j, s, &res, status, err);
	dgen_stream_free(s);
	return rc;
}
