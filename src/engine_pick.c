// SPDX-License-Identifier: MIT
/*
 * engine_pick.c - which engine a run takes, and why (dgen/writer.h)
 *
 * io_uring is blocked in three ways, each with its own remedy, so the
 * message names the one found: a seccomp filter (Docker's default profile
 * since 25.0, containerd's and so Kubernetes' RuntimeDefault deny the
 * three io_uring calls with EPERM), the sysctl kernel.io_uring_disabled
 * (1: only for root and io_uring_group, 2: for everyone), or a kernel
 * built without io_uring (ENOSYS, and no sysctl). The probe is one small
 * ring, made and torn down once per run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "ring_impl.h"

const char *dgen_engine_name(enum dgen_engine e)
{
	switch (e) {
	case DGEN_ENGINE_AUTO:
		return "auto";
	case DGEN_ENGINE_IO_URING:
		return "io_uring";
	case DGEN_ENGINE_LIBAIO:
		return "libaio";
	}
	return NULL;
}

/* The first number in @path after @key (NULL: the file's start); -1 if none. */
static long read_num(const char *path, const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (key && strncmp(line, key, strlen(key)))
			continue;
		v = strtol(line + (key ? strlen(key) : 0), NULL, 10);
		break;
	}
	if (f)
		fclose(f);
	return v;
}

void eng_uring_cause(int err, char *buf, size_t len)
{
	const long sysctl = read_num("/proc/sys/kernel/io_uring_disabled", NULL);
	const long seccomp = read_num("/proc/self/status", "Seccomp:");

	if (sysctl > 0)
		snprintf(buf, len, "the sysctl kernel.io_uring_disabled is %ld (%s)",
			 sysctl, sysctl == 1 ?
			 "io_uring only for root and the io_uring_group" :
			 "io_uring off for everyone");
	else if (seccomp == 2 && err != -ENOSYS)
		snprintf(buf, len, "a seccomp filter denies io_uring_setup (%s; Seccomp: 2 in /proc/self/status, kernel.io_uring_disabled is %ld), as the default profiles of Docker and containerd do",
			 strerror(-err), sysctl < 0 ? 0 : sysctl);
	else if (err == -ENOSYS && sysctl < 0)
		snprintf(buf, len, "this kernel has no io_uring (io_uring_setup: %s)",
			 strerror(-err));
	else if (err == -ENOSYS)
		snprintf(buf, len, "io_uring_setup is not available (%s%s)",
			 strerror(-err), seccomp == 2 ? "; a seccomp filter is installed" : "");
	else
		snprintf(buf, len, "io_uring_setup failed: %s", strerror(-err));
}

int dgen_engine_pick(enum dgen_engine want, char *why, size_t whylen)
{
	struct io_uring ring;
	char cause[384];
	int r;

	if (want == DGEN_ENGINE_LIBAIO) {
		snprintf(why, whylen, "asked for (--engine libaio)");
		return DGEN_ENGINE_LIBAIO;
	}
	r = dgen_ring_init(&ring, 4, 0);
	if (r >= 0) {
		io_uring_queue_exit(&ring);
		snprintf(why, whylen, want == DGEN_ENGINE_IO_URING ?
			 "asked for (--engine io_uring)" : "io_uring is available");
		return DGEN_ENGINE_IO_URING;
	}
	eng_uring_cause(r, cause, sizeof(cause));
	if (want == DGEN_ENGINE_IO_URING) {
		snprintf(why, whylen, "io_uring cannot start: %s", cause);
		return r;
	}
	/* Only the kernel's refusals fall back: a lack of memory (a memlock
	 * limit) is the machine's, and libaio would not fare better. */
	if (r != -EPERM && r != -EACCES && r != -ENOSYS) {
		snprintf(why, whylen, "io_uring cannot start: %s", cause);
		return r;
	}
	snprintf(why, whylen, "io_uring is unavailable: %s", cause);
	return DGEN_ENGINE_LIBAIO;
}

void eng_explain(int err, enum dgen_engine kind, uint64_t ios, char *buf,
		 size_t len)
{
	buf[0] = 0;
	if (kind == DGEN_ENGINE_LIBAIO && err == -EAGAIN)
		snprintf(buf, len, " (libaio's io_setup: the sysctl fs.aio-max-nr is %ld and fs.aio-nr, the events all processes hold, %ld now; this run needs %llu, threads x queue depth: raise fs.aio-max-nr or lower --threads or --qd)",
			 read_num("/proc/sys/fs/aio-max-nr", NULL),
			 read_num("/proc/sys/fs/aio-nr", NULL),
			 (unsigned long long)ios);
	else if (kind != DGEN_ENGINE_LIBAIO &&
		 (err == -EPERM || err == -EACCES || err == -ENOSYS)) {
		char cause[384];

		eng_uring_cause(err, cause, sizeof(cause));
		snprintf(buf, len, " (io_uring is unavailable here: %s; --engine libaio or auto runs without it)",
			 cause);
	}
}
