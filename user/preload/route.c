// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * Where an interposed call goes.
 *
 * Creation goes to minipoll while /dev/minipoll can be opened; once it
 * cannot (module not loaded), the shim says so once and creates real epoll
 * instances from then on ("fallback").
 *
 * epoll_ctl() and the waits go to minipoll when their epfd is an instance.
 * Asking the kernel (fstat) on every call would double the system calls of
 * an event loop, so the shim keeps a bitmap of fds it believes are
 * instances: the ones its creates returned, and any other fd fstat() once
 * showed to be one (a dup, an fd inherited across exec, one made by the
 * program through libminipoll directly).
 *
 * The bitmap is only a hint, and need not follow close(), dup2() or
 * fork(): the ioctl on a believed instance checks it for free. An fd that
 * was closed fails with EBADF and one reused by another file (a pipe, or
 * a real epoll instance) with ENOTTY, both before the module runs and so
 * without effect. The shim then forgets the fd and makes the real epoll
 * call, which acts on a real epoll or gives epoll's errno. Negative
 * answers are not cached: an fd that is not an instance now may be one
 * after a dup2(), so it costs an fstat() per call (these are rare: real
 * epoll fds made before the shim was loaded, or bad fds). In fallback no
 * new instance can appear, and unknown fds go straight to the real epoll.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

/* ---- settings ---- */

static bool shim_env_on(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

int shim_flags(void)
{
	/* Read lazily: another library's constructor may create an
	 * instance before ours would run. Racing readers agree. */
	static int flags = -1;
	int f = __atomic_load_n(&flags, __ATOMIC_RELAXED);

	if (f < 0) {
		f = (shim_env_on("MINIPOLL_STRICT") ? SHIM_STRICT : 0) |
		    (shim_env_on("MINIPOLL_DEBUG") ? SHIM_DEBUG : 0);
		__atomic_store_n(&flags, f, __ATOMIC_RELAXED);
	}
	return f;
}

void *shim_real(const char *name, void **slot)
{
	void *fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (fn)
		return fn;
	fn = dlsym(RTLD_NEXT, name);
	if (!fn) {
		dprintf(STDERR_FILENO, "minipoll: no %s after the preload shim\n",
			name);
		abort();
	}
	__atomic_store_n(slot, fn, __ATOMIC_RELEASE);
	return fn;
}

/* ---- the bitmap of believed instances ---- */

/* fds past this are always checked with fstat(). 8 KiB of bss. */
#define SHIM_KNOWN_FDS	65536
#define SHIM_WORD_BITS	(sizeof(unsigned long) * CHAR_BIT)

static unsigned long shim_known[SHIM_KNOWN_FDS / SHIM_WORD_BITS];

static bool shim_fd_in_range(int fd)
{
	return fd >= 0 && fd < SHIM_KNOWN_FDS;
}

static unsigned long shim_bit(int fd)
{
	return 1UL << (fd % SHIM_WORD_BITS);
}

static void shim_remember(int fd)
{
	if (shim_fd_in_range(fd))
		__atomic_fetch_or(&shim_known[fd / SHIM_WORD_BITS],
				  shim_bit(fd), __ATOMIC_RELAXED);
}

void shim_forget(int fd)
{
	shim_ring_forget(fd);
	if (shim_fd_in_range(fd))
		__atomic_fetch_and(&shim_known[fd / SHIM_WORD_BITS],
				   ~shim_bit(fd), __ATOMIC_RELAXED);
}

static bool shim_known_instance(int fd)
{
	return shim_fd_in_range(fd) &&
	       (__atomic_load_n(&shim_known[fd / SHIM_WORD_BITS],
				__ATOMIC_RELAXED) & shim_bit(fd));
}

/* ---- availability of /dev/minipoll ---- */

static bool shim_fallback;

/* open() errors that mean "no minipoll here", not "this call failed". */
static bool shim_device_unavailable(int err)
{
	return err == ENOENT || err == ENODEV || err == ENXIO ||
	       err == EACCES || err == EPERM;
}

static void shim_enter_fallback(int err)
{
	static bool told;
	const char *why = err == ENOENT ? "module not loaded?" : strerror(err);

	if (shim_flags() & SHIM_STRICT) {
		dprintf(STDERR_FILENO,
			"minipoll: " MINIPOLL_DEVICE " not available (%s) and MINIPOLL_STRICT=1; exiting\n",
			why);
		_exit(127);
	}
	__atomic_store_n(&shim_fallback, true, __ATOMIC_RELAXED);
	if (!__atomic_exchange_n(&told, true, __ATOMIC_RELAXED))
		dprintf(STDERR_FILENO,
			"minipoll: " MINIPOLL_DEVICE " not available (%s); using the kernel's epoll\n",
			why);
}

int shim_create(int (*mp_create)(int), int (*real_create)(int), int arg,
		const char **via)
{
	int fd;

	*via = "minipoll";
	if (!__atomic_load_n(&shim_fallback, __ATOMIC_RELAXED)) {
		fd = mp_create(arg);
		if (fd >= 0) {
			shim_remember(fd);
			return fd;
		}
		/* Bad flags or size, EMFILE, ENOMEM: epoll would fail too. */
		if (!shim_device_unavailable(errno))
			return -1;
		shim_enter_fallback(errno);
	}
	*via = "epoll";
	return real_create(arg);
}

bool shim_route(int epfd)
{
	if (shim_known_instance(epfd))
		return true;
	if (__atomic_load_n(&shim_fallback, __ATOMIC_RELAXED))
		return false;
	if (!minipoll_is_instance(epfd))
		return false;
	shim_remember(epfd);
	return true;
}
