// SPDX-License-Identifier: MIT
/*
 * replay.c - a fuzz target without libFuzzer: run it on every file of a
 * corpus directory (the inputs bench/fuzz.sh kept), so the normal suite,
 * built with gcc and under ASan, checks each one as a regression test.
 *
 * usage: fuzz-NAME-replay DIR   (exit 0: every input passed; an input
 * that breaks an invariant aborts, naming the file first)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f || fstat(fileno(f), &st)) {
		fprintf(stderr, "cannot read %s\n", path);
		return -1;
	}
	/* Exactly its size, so ASan sees a read past the input's end. */
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	n = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
	fclose(f);
	if (!buf || n != (size_t)st.st_size) {
		fprintf(stderr, "cannot read %s\n", path);
		free(buf);
		return -1;
	}
	fprintf(stderr, "%s (%zu bytes)\n", path, n);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int count = 0;
	struct dirent *e;
	char path[4096];
	DIR *d;

	if (argc != 2 || !(d = opendir(argv[1]))) {
		fprintf(stderr, "usage: %s CORPUS-DIR (a directory)\n", argv[0]);
		return 2;
	}
	while ((e = readdir(d))) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		if (replay(path)) {
			closedir(d);
			return 1;
		}
		count++;
	}
	closedir(d);
	/* An empty corpus checks nothing: a failure, not a pass. */
	if (!count) {
		fprintf(stderr, "%s holds no input\n", argv[1]);
		return 1;
	}
	printf("%u inputs replayed\n", count);
	return 0;
}
