// SPDX-License-Identifier: GPL-2.0
/*
 * abi_test: the raw ioctl ABI of /dev/minipoll (minipoll only).
 *
 * These few tests talk to the device directly, without libminipoll, and
 * cannot be compared with epoll, which has no ioctls. Everything else in this
 * directory is a differential test against the real epoll.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/minipoll.h>

#include "kselftest_harness.h"

/* The ABI is fixed: 32- and 64-bit callers share these layouts. */
_Static_assert(sizeof(struct minipoll_ctl) == 24, "struct minipoll_ctl is 24 bytes");
_Static_assert(sizeof(struct minipoll_wait) == 48, "struct minipoll_wait is 48 bytes");
_Static_assert(sizeof(struct epoll_event) == 12, "struct epoll_event is packed on x86-64");

/* A kernel address: fails access_ok() for any size. */
#define KERNEL_PTR ((uint64_t)0xffff888000000000ULL)

static int mp_open(int flags)
{
	return open(MINIPOLL_DEVICE, flags);
}

static int have_minipoll(void)
{
	struct stat st;

	return stat(MINIPOLL_DEVICE, &st) == 0 && S_ISCHR(st.st_mode);
}

#define SKIP_WITHOUT_MINIPOLL() do {					\
	if (!have_minipoll())						\
		SKIP(return, MINIPOLL_DEVICE " is absent (module not loaded)"); \
} while (0)

FIXTURE(abi) {
	int mp;		/* an instance */
	int pipefd[2];	/* a pollable target */
};

FIXTURE_SETUP(abi)
{
	self->mp = -1;
	self->pipefd[0] = self->pipefd[1] = -1;
	/* No SKIP() here: in 6.1 the body would still run. */
	if (!have_minipoll())
		return;
	self->mp = mp_open(O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->mp) TH_LOG("open %s: %s", MINIPOLL_DEVICE, strerror(errno));
	ASSERT_EQ(0, pipe(self->pipefd));
}

FIXTURE_TEARDOWN(abi)
{
	if (self->mp >= 0)
		close(self->mp);
	if (self->pipefd[0] >= 0) {
		close(self->pipefd[0]);
		close(self->pipefd[1]);
	}
}

/* Every open() is a new instance; closing them all must be clean. */
TEST_F(abi, open_close_many)
{
	int fds[64];
	int i;

	SKIP_WITHOUT_MINIPOLL();
	for (i = 0; i < 64; i++) {
		fds[i] = mp_open(O_RDWR);
		ASSERT_LE(0, fds[i]) TH_LOG("open #%d: %s", i, strerror(errno));
	}
	for (i = 0; i < 64; i++)
		EXPECT_EQ(0, close(fds[i]));
	/* Read-only and write-only opens are instances too. */
	fds[0] = mp_open(O_RDONLY);
	EXPECT_LE(0, fds[0]);
	if (fds[0] >= 0)
		close(fds[0]);
}

/* The device is 0666: a user without privileges can create instances. */
TEST_F(abi, open_unprivileged)
{
	pid_t pid;
	int status;

	SKIP_WITHOUT_MINIPOLL();
	if (geteuid() != 0)
		SKIP(return, "needs root to switch to an unprivileged uid");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		fd = mp_open(O_RDWR);
		_exit(fd >= 0 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("uid 65534 could not open " MINIPOLL_DEVICE);
}

/*
 * Commands of the module's type that it does not define: ENOTTY, as for
 * any driver. (Those of other types get an epoll fd's answer, which
 * depends on the kernel: hostile_test and instance_test compare them.)
 */
TEST_F(abi, unknown_ioctl_enotty)
{
	const unsigned long cmds[] = {
		_IO(MINIPOLL_IOC_MAGIC, 0),
		_IO(MINIPOLL_IOC_MAGIC, 3),
		_IOW(MINIPOLL_IOC_MAGIC, 1, uint32_t),	/* CTL's number, wrong size */
		_IOWR(MINIPOLL_IOC_MAGIC, 2, struct minipoll_wait), /* WAIT, wrong dir */
	};
	struct minipoll_ctl ctl = { 0 };
	unsigned int i;

	SKIP_WITHOUT_MINIPOLL();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->mp, cmds[i], &ctl)) TH_LOG("cmd %#lx", cmds[i]);
		EXPECT_EQ(ENOTTY, errno) TH_LOG("cmd %#lx: %s", cmds[i], strerror(errno));
	}
}

/* struct minipoll_ctl: flags and __reserved must be zero, else EINVAL. */
TEST_F(abi, ctl_reserved_nonzero_einval)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 };
	struct minipoll_ctl ctl = {
		.op = EPOLL_CTL_ADD,
		.fd = self->pipefd[0],
		.event = (uintptr_t)&ev,
	};

	SKIP_WITHOUT_MINIPOLL();
	ctl.flags = 1;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_CTL, &ctl));
	EXPECT_EQ(EINVAL, errno);

	ctl.flags = 0x80000000;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_CTL, &ctl));
	EXPECT_EQ(EINVAL, errno);

	ctl.flags = 0;
	ctl.__reserved = 1;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_CTL, &ctl));
	EXPECT_EQ(EINVAL, errno);
}

/* struct minipoll_wait: unknown flags and __reserved must be zero, else EINVAL. */
TEST_F(abi, wait_reserved_nonzero_einval)
{
	struct epoll_event evs[4];
	struct minipoll_wait w = {
		.events = (uintptr_t)evs,
		.maxevents = 4,
		.timeout_ms = 0,
	};

	SKIP_WITHOUT_MINIPOLL();
	w.flags = 1U << 1;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);

	w.flags = 0x80000000;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);

	w.flags = 0;
	w.__reserved = 1ULL << 63;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
}

/* A struct pointer that cannot be read: EFAULT. */
TEST_F(abi, bad_struct_pointer_efault)
{
	void *none;
	const uint64_t ptrs[] = { 0, 1, KERNEL_PTR, 0 };
	unsigned int i;

	SKIP_WITHOUT_MINIPOLL();
	/* The last one: a mapped page with no access. */
	none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	for (i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++) {
		unsigned long arg = i == 3 ? (unsigned long)none : ptrs[i];

		errno = 0;
		EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_CTL, arg)) TH_LOG("ctl %#lx", arg);
		EXPECT_EQ(EFAULT, errno) TH_LOG("ctl %#lx: %s", arg, strerror(errno));
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_WAIT, arg)) TH_LOG("wait %#lx", arg);
		EXPECT_EQ(EFAULT, errno) TH_LOG("wait %#lx: %s", arg, strerror(errno));
	}
	munmap(none, 4096);
}

/* A struct that straddles into an unreadable page: EFAULT, not a partial read. */
TEST_F(abi, struct_straddles_unmapped_page_efault)
{
	char *map;
	struct minipoll_ctl *ctl;
	struct minipoll_wait *w;

	SKIP_WITHOUT_MINIPOLL();
	map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map + 4096, 4096, PROT_NONE));
	memset(map, 0, 4096);
	ctl = (void *)(map + 4096 - 8);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_CTL, ctl));
	EXPECT_EQ(EFAULT, errno);
	w = (void *)(map + 4096 - 16);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_WAIT, w));
	EXPECT_EQ(EFAULT, errno);
	munmap(map, 8192);
}

TEST_HARNESS_MAIN
