// SPDX-License-Identifier: MIT
/*
 * fuzz_profile.c - the profile reader (dgen_profile_load, for --like): a
 * profile comes from whoever shared it, so any bytes are read or refused
 * with a sentence; one that is read maps to stream parameters that
 * dgen_stream_params_check takes, or is refused by them, never a crash.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <dgen/profile.h>
#include <dgen/stream.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dgen_profile p;
	struct dgen_stream_params sp;
	char path[64], msg[512], digest[40];
	int fd = memfd_create("profile", 0), r;

	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	msg[0] = 0;
	r = dgen_profile_load(&p, path, msg, sizeof(msg));
	close(fd);
	FUZZ_CHECK(r == 0 || (r < 0 && msg[0]));
	if (r)
		return 0;
	FUZZ_CHECK(strlen(dgen_profile_digest(&p, digest, sizeof(digest))) == 32);
	dgen_stream_params_init(&sp);
	msg[0] = 0;
	r = dgen_profile_params(&p, &sp, msg, sizeof(msg));
	FUZZ_CHECK(r == 0 || (r == -EINVAL && msg[0]));
	if (!r) {
		msg[0] = 0;
		r = dgen_stream_params_check(&sp, msg, sizeof(msg));
		FUZZ_CHECK(r == 0 || (r < 0 && msg[0]));
	}
	return 0;
}
