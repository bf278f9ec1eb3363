/* Test shim for scripts/diskfull.sh where a small file system cannot be mounted: loaded with
 * LD_PRELOAD into the server, it makes every write to a file whose path contains ".sqlite" fail
 * with ENOSPC (what a full disk returns) while the file named by $ENOSPC_FLAG_FILE exists, so
 * SQLite meets the same SQLITE_FULL as on a full disk. Nothing else is touched. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int disk_is_full(int fd) {
    const char *flag = getenv("ENOSPC_FLAG_FILE");
    if (flag == NULL || access(flag, F_OK) != 0) return 0;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, path, sizeof path - 1);
    if (length <= 0) return 0;
    path[length] = '\0';
    return strstr(path, ".sqlite") != NULL;
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*pwrite64_fn)(int, const void *, size_t, off64_t);
typedef int (*ftruncate_fn)(int, off_t);
typedef int (*fallocate_fn)(int, int, off_t, off_t);
typedef int (*posix_fallocate_fn)(int, off_t, off_t);

ssize_t write(int fd, const void *buffer, size_t count) {
    static write_fn real;
    if (!real) real = (write_fn)dlsym(RTLD_NEXT, "write");
    if (disk_is_full(fd)) { errno = ENOSPC; return -1; }
    return real(fd, buffer, count);
}

ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset) {
    static pwrite_fn real;
    if (!real) real = (pwrite_fn)dlsym(RTLD_NEXT, "pwrite");
    if (disk_is_full(fd)) { errno = ENOSPC; return -1; }
    return real(fd, buffer, count, offset);
}

ssize_t pwrite64(int fd, const void *buffer, size_t count, off64_t offset) {
    static pwrite64_fn real;
    if (!real) real = (pwrite64_fn)dlsym(RTLD_NEXT, "pwrite64");
    if (disk_is_full(fd)) { errno = ENOSPC; return -1; }
    return real(fd, buffer, count, offset);
}

int ftruncate(int fd, off_t length) {
    static ftruncate_fn real;
    if (!real) real = (ftruncate_fn)dlsym(RTLD_NEXT, "ftruncate");
    if (disk_is_full(fd)) { errno = ENOSPC; return -1; }
    return real(fd, length);
}

int fallocate(int fd, int mode, off_t offset, off_t length) {
    static fallocate_fn real;
    if (!real) real = (fallocate_fn)dlsym(RTLD_NEXT, "fallocate");
    if (disk_is_full(fd)) { errno = ENOSPC; return -1; }
    return real(fd, mode, offset, length);
}

int posix_fallocate(int fd, off_t offset, off_t length) {
    static posix_fallocate_fn real;
    if (!real) real = (posix_fallocate_fn)dlsym(RTLD_NEXT, "posix_fallocate");
    if (disk_is_full(fd)) return ENOSPC;
    return real(fd, offset, length);
}
