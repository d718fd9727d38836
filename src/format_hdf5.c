// SPDX-License-Identifier: MIT
/*
 * format_hdf5.c - HDF5 files around a stream payload (meson -Dhdf5)
 *
 * One dataset, /data: a 1-D uint8 (H5T_STD_U8LE) array of the payload's
 * length, contiguous layout, whose elements are the stream's bytes
 * [0, payload); h5py reads it as f["data"], h5dump -d /data. The rest of
 * the file (superblock, object header) is HDF5's overhead.
 *
 * HDF5 opens files by name, so the file the caller opened (O_EXCL, fresh)
 * is reached through /proc/self/fd. Calls into HDF5 are serialised with a
 * lock of our own: only thread-safe builds of libhdf5 take one themselves,
 * and they serialise all calls anyway. HDF5's automatic error printing is
 * turned off, since the library never prints; errors become -EIO.
 *
 * dgen_format_verify reads the file back through a reader of its own
 * (below); each call takes the lock only while in libhdf5, so threads
 * checking different files compare their payloads in parallel.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "format_impl.h"

static pthread_mutex_t h5_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * A failed call leaves its error stack behind on the calling thread; one
 * left on a worker thread (libhdf5 1.10, seen with a damaged superblock)
 * keeps the library from closing at exit ("HDF5: infinite loop closing
 * library", and the leak a sanitizer reports). Clear it where it fails.
 */
static void h5_errors_clear(void)
{
	H5Eclear2(H5E_DEFAULT);
}

static int h5_write(const char *path, const struct dgen_stream *s,
		    uint64_t payload, void *buf, size_t buflen)
{
	hid_t file = H5I_INVALID_HID, space = H5I_INVALID_HID,
	      dset = H5I_INVALID_HID, mem = H5I_INVALID_HID;
	hsize_t dims = payload;
	int r = -EIO;

	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	if (file < 0)
		goto out;
	space = H5Screate_simple(1, &dims, NULL);
	if (space < 0)
		goto out;
	dset = H5Dcreate2(file, "data", H5T_STD_U8LE, space, H5P_DEFAULT,
			  H5P_DEFAULT, H5P_DEFAULT);
	if (dset < 0)
		goto out;
	for (uint64_t pos = 0; pos < payload; pos += buflen) {
		hsize_t start = pos, n = payload - pos < buflen ? payload - pos : buflen;

		r = dgen_stream_fill(s, buf, pos, (size_t)n);
		if (r)
			goto out;
		r = -EIO;
		mem = H5Screate_simple(1, &n, NULL);
		if (mem < 0 ||
		    H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, NULL, &n, NULL) < 0 ||
		    H5Dwrite(dset, H5T_NATIVE_UCHAR, mem, space, H5P_DEFAULT, buf) < 0)
			goto out;
		H5Sclose(mem);
		mem = H5I_INVALID_HID;
	}
	r = 0;
out:
	if (mem >= 0)
		H5Sclose(mem);
	if (dset >= 0 && H5Dclose(dset) < 0)
		r = -EIO;
	if (space >= 0)
		H5Sclose(space);
	if (file >= 0 && H5Fclose(file) < 0)
		r = -EIO;
	return r;
}

int dgen_format_hdf5_write(int fd, const struct dgen_stream *s,
			   uint64_t payload, void *buf, size_t buflen)
{
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	pthread_mutex_lock(&h5_lock);
	r = h5_write(path, s, payload, buf, buflen);
	if (r)
		h5_errors_clear();
	pthread_mutex_unlock(&h5_lock);
	return r;
}

/* ===== Objects: the bytes around a payload ===== */

#define TEMPLATE_MAX	(64u << 10)

/*
 * The file for @payload bytes laid out for objects, at @path, without its
 * data (a sparse file); the payload's file offset in *@off.
 */
static int h5_layout(const char *path, uint64_t payload, uint64_t *off)
{
	hid_t file = H5I_INVALID_HID, space = H5I_INVALID_HID,
	      dcpl = H5I_INVALID_HID, dset = H5I_INVALID_HID;
	hsize_t dims = payload;
	haddr_t a;
	int r = -EIO;

	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	space = file >= 0 ? H5Screate_simple(1, &dims, NULL) : H5I_INVALID_HID;
	dcpl = space >= 0 ? H5Pcreate(H5P_DATASET_CREATE) : H5I_INVALID_HID;
	/* Space for the data at once and never filled: its place is known
	 * before a byte of it exists, and the header holds no time. */
	if (dcpl < 0 || H5Pset_layout(dcpl, H5D_CONTIGUOUS) < 0 ||
	    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) < 0 ||
	    H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0 ||
	    H5Pset_obj_track_times(dcpl, 0) < 0)
		goto out;
	dset = H5Dcreate2(file, "data", H5T_STD_U8LE, space, H5P_DEFAULT,
			  dcpl, H5P_DEFAULT);
	if (dset < 0 || (a = H5Dget_offset(dset)) == HADDR_UNDEF)
		goto out;
	*off = a;
	r = 0;
out:
	if (dset >= 0 && H5Dclose(dset) < 0)
		r = -EIO;
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (space >= 0)
		H5Sclose(space);
	if (file >= 0 && H5Fclose(file) < 0)
		r = -EIO;
	return r;
}

/* Read [off, off + n) of @fd into a new buffer *@out. */
static int read_part(int fd, uint64_t off, size_t n, uint8_t **out)
{
	*out = malloc(n ? n : 1);
	if (!*out)
		return -ENOMEM;
	if (n && pread(fd, *out, n, (off_t)off) != (ssize_t)n)
		return -EIO;
	return 0;
}

int dgen_hdf5_template(struct dgen_fmt_template *t, uint64_t payload)
{
	const char *tmp = getenv("TMPDIR");
	uint64_t off = 0;
	char path[4096];
	struct stat st;
	int fd, r;

	/* A scratch file of its own, sparse, gone once read: libhdf5 opens
	 * by a name it resolves, which a memfd has not. */
	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "%s/dgen-hdf5-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	pthread_mutex_lock(&h5_lock);
	r = h5_layout(path, payload, &off);
	if (r)
		h5_errors_clear();
	pthread_mutex_unlock(&h5_lock);
	if (!r && fstat(fd, &st))
		r = -errno;
	if (!r && ((uint64_t)st.st_size < off + payload || off > TEMPLATE_MAX ||
		   (uint64_t)st.st_size - off - payload > TEMPLATE_MAX))
		r = -EOPNOTSUPP;
	if (!r)
		r = read_part(fd, 0, (size_t)off, &t->head);
	if (!r)
		r = read_part(fd, off + payload,
			      (size_t)((uint64_t)st.st_size - off - payload),
			      &t->tail);
	close(fd);
	unlink(path);
	if (r) {
		dgen_hdf5_template_free(t);
		return r;
	}
	t->nhead = (size_t)off;
	t->ntail = (size_t)((uint64_t)st.st_size - off - payload);
	return 0;
}

/* ===== Reading back ===== */

struct dgen_hdf5_reader {
	hid_t file, dset, space;
};

static void reader_close(struct dgen_hdf5_reader *r)
{
	if (r->space >= 0)
		H5Sclose(r->space);
	if (r->dset >= 0)
		H5Dclose(r->dset);
	if (r->file >= 0)
		H5Fclose(r->file);
}

/* Is /data the array dgen_format_hdf5_write makes: 1-byte unsigned
 * integers (any byte order, as h5py sees it), @payload of them in one
 * dimension, stored contiguous? */
static int reader_check(struct dgen_hdf5_reader *r, uint64_t payload)
{
	hid_t type = H5Dget_type(r->dset), dcpl = H5Dget_create_plist(r->dset);
	hsize_t dims = 0;
	int ok = type >= 0 && dcpl >= 0 &&
		 H5Tget_class(type) == H5T_INTEGER && H5Tget_size(type) == 1 &&
		 H5Tget_sign(type) == H5T_SGN_NONE &&
		 H5Pget_layout(dcpl) == H5D_CONTIGUOUS &&
		 H5Sget_simple_extent_ndims(r->space) == 1 &&
		 H5Sget_simple_extent_dims(r->space, &dims, NULL) == 1 &&
		 dims == payload;

	if (type >= 0)
		H5Tclose(type);
	if (dcpl >= 0)
		H5Pclose(dcpl);
	return ok;
}

int dgen_hdf5_reader_open(struct dgen_hdf5_reader **out, int fd,
			  uint64_t payload)
{
	struct dgen_hdf5_reader *r = malloc(sizeof(*r));
	char path[64];
	int ok;

	if (!r)
		return -ENOMEM;
	r->file = r->dset = r->space = H5I_INVALID_HID;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	pthread_mutex_lock(&h5_lock);
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	/* A file that is not HDF5, or whose superblock or object headers are
	 * damaged, fails here: that is a finding about the file, so it is
	 * -EBADMSG, not an I/O error. */
	r->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (r->file >= 0)
		r->dset = H5Dopen2(r->file, "/data", H5P_DEFAULT);
	if (r->dset >= 0)
		r->space = H5Dget_space(r->dset);
	ok = r->space >= 0 && reader_check(r, payload);
	if (!ok) {
		reader_close(r);
		h5_errors_clear();
	}
	pthread_mutex_unlock(&h5_lock);
	if (!ok) {
		free(r);
		return -EBADMSG;
	}
	*out = r;
	return 0;
}

int dgen_hdf5_reader_read(struct dgen_hdf5_reader *r, void *buf,
			  uint64_t pos, size_t n)
{
	hsize_t start = pos, count = n;
	hid_t mem;
	int ok;

	pthread_mutex_lock(&h5_lock);
	mem = H5Screate_simple(1, &count, NULL);
	ok = mem >= 0 &&
	     H5Sselect_hyperslab(r->space, H5S_SELECT_SET, &start, NULL,
				 &count, NULL) >= 0 &&
	     H5Dread(r->dset, H5T_NATIVE_UCHAR, mem, r->space, H5P_DEFAULT,
		     buf) >= 0;
	if (mem >= 0)
		H5Sclose(mem);
	if (!ok)
		h5_errors_clear();
	pthread_mutex_unlock(&h5_lock);
	return ok ? 0 : -EBADMSG;
}

void dgen_hdf5_reader_close(struct dgen_hdf5_reader *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&h5_lock);
	reader_close(r);
	pthread_mutex_unlock(&h5_lock);
	free(r);
}
