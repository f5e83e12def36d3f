// SPDX-License-Identifier: GPL-2.0
/*
 * instance_test: creating an instance and the shape of its fd
 * (EPOLL-SEMANTICS 4.2), compared with epoll.
 *
 * Every test here has the same trivial topology: one instance, at most one
 * pipe in it.
 *
 *      ep
 *       |
 *      p[0]  (pipe read end)
 */
#include "mp_impl.h"

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <linux/capability.h>

/* An epoll fd's busy-poll parameters (<linux/eventpoll.h> from 6.9 on). */
#ifndef EPIOCSPARAMS
struct epoll_params {
	uint32_t busy_poll_usecs;
	uint16_t busy_poll_budget;
	uint8_t prefer_busy_poll;
	uint8_t __pad;
};
#define EPOLL_IOC_TYPE	0x8A
#define EPIOCSPARAMS	_IOW(EPOLL_IOC_TYPE, 0x01, struct epoll_params)
#define EPIOCGPARAMS	_IOR(EPOLL_IOC_TYPE, 0x02, struct epoll_params)
#endif

MP_FIXTURE(instance);

/* create1 accepts only EPOLL_CLOEXEC; create needs a positive size. */
MP_SCENARIO(instance, create_flags_and_size)
{
	int fd;

	R(I->create1(O_NONBLOCK));
	R(I->create1(EPOLL_CLOEXEC | O_NONBLOCK));
	R(I->create1(-1));
	R(I->create1(1));
	R(I->create(0));
	R(I->create(-1));
	R(I->create(INT32_MIN));
	fd = R(I->create(1));
	if (fd >= 0)
		close(fd);
	fd = R(I->create(INT32_MAX));
	if (fd >= 0)
		close(fd);
	fd = R(I->create1(0));
	if (fd >= 0)
		close(fd);
}

/* EPOLL_CLOEXEC is an fd flag: F_GETFD shows it, F_GETFL does not. */
MP_SCENARIO(instance, cloexec_and_getfl)
{
	int a, b;

	a = I->create1(0);
	b = I->create1(EPOLL_CLOEXEC);
	REQUIRE(a >= 0 && b >= 0);
	R(fcntl(a, F_GETFD));
	R(fcntl(b, F_GETFD));
	R(fcntl(a, F_GETFL));
	R(fcntl(b, F_GETFL));
	FDINFO(a);
	FDINFO(b);
	R(fcntl(a, F_SETFL, O_NONBLOCK));
	R(fcntl(a, F_GETFL));
	R(fcntl(a, F_SETFL, O_NONBLOCK | O_APPEND | O_DIRECT | O_NOATIME));
	R(fcntl(a, F_GETFL));
	FDINFO(a);
	R(fcntl(a, F_SETFD, FD_CLOEXEC));
	R(fcntl(a, F_GETFD));
	close(a);
	close(b);
}

/* read() and write() on an instance fail with EINVAL; lseek is a no-op. */
MP_SCENARIO(instance, read_write_lseek)
{
	char buf[16] = "x";
	int ep;

	ep = I->create1(EPOLL_CLOEXEC);
	REQUIRE(ep >= 0);
	R(read(ep, buf, sizeof(buf)));
	R(read(ep, buf, 0));
	R(write(ep, buf, 1));
	R(write(ep, buf, 0));
	R(pread(ep, buf, 1, 0));
	R(pwrite(ep, buf, 1, 0));
	R(lseek(ep, 0, SEEK_CUR));
	R(lseek(ep, 100, SEEK_SET));
	R(lseek(ep, 0, SEEK_END));
	R(fcntl(ep, F_SETFL, O_NONBLOCK));
	R(read(ep, buf, sizeof(buf)));
	R(write(ep, buf, 1));
	close(ep);
}

/* Generic ioctls: FIONREAD is not the instance's; FIONBIO, FIOASYNC, FIOCLEX are VFS. */
MP_SCENARIO(instance, generic_ioctls)
{
	int ep, v = 1;

	ep = I->create1(0);
	REQUIRE(ep >= 0);
	R(ioctl(ep, FIONREAD, &v));
	R(ioctl(ep, FIONBIO, &v));
	R(fcntl(ep, F_GETFL));
	R(ioctl(ep, FIOASYNC, &v));
	R(fcntl(ep, F_GETFL));
	v = 0;
	R(ioctl(ep, FIOASYNC, &v));
	R(ioctl(ep, FIONBIO, &v));
	R(fcntl(ep, F_GETFL));
	R(ioctl(ep, FIOCLEX));
	R(fcntl(ep, F_GETFD));
	R(ioctl(ep, FIONCLEX));
	R(fcntl(ep, F_GETFD));
	R(ioctl(ep, TCGETS, &v));
	close(ep);
}

/* Drop CAP_NET_ADMIN from the effective set (this scenario's child only). */
static int drop_net_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_NET_ADMIN / 32].effective &= ~(1U << (CAP_NET_ADMIN % 32));
	return syscall(SYS_capset, &h, d);
}

#define PARAMS(p) NOTE("params: usecs %u budget %u prefer %u pad %u", (p).busy_poll_usecs, \
		       (p).busy_poll_budget, (p).prefer_busy_poll, (p).__pad)

/*
 * The epoll fd's own ioctls: the busy-poll parameters where the kernel's
 * epoll has them (each check in its order, nothing stored by a failed
 * set), and the answer to any other command of epoll's type. Where the
 * kernel's epoll has no ioctl at all, every one of these is ENOTTY.
 */
MP_SCENARIO(instance, epoll_ioctls)
{
	struct epoll_params p = { 0 };
	int ep;

	ep = I->create1(0);
	REQUIRE(ep >= 0);
	memset(&p, 0xa5, sizeof(p));
	R(ioctl(ep, EPIOCGPARAMS, &p));
	PARAMS(p);
	p = (struct epoll_params){ .busy_poll_usecs = 100, .busy_poll_budget = 8,
				   .prefer_busy_poll = 1 };
	R(ioctl(ep, EPIOCSPARAMS, &p));
	memset(&p, 0, sizeof(p));
	R(ioctl(ep, EPIOCGPARAMS, &p));
	PARAMS(p);
	/* Each rejected field, alone, then two at once (which check is first). */
	p = (struct epoll_params){ .busy_poll_usecs = 1, .__pad = 1 };
	R(ioctl(ep, EPIOCSPARAMS, &p));
	p = (struct epoll_params){ .busy_poll_usecs = 0x80000000u };
	R(ioctl(ep, EPIOCSPARAMS, &p));
	p = (struct epoll_params){ .busy_poll_usecs = 0x7fffffff, .prefer_busy_poll = 2 };
	R(ioctl(ep, EPIOCSPARAMS, &p));
	p = (struct epoll_params){ .prefer_busy_poll = 2, .__pad = 1 };
	R(ioctl(ep, EPIOCSPARAMS, &p));
	R(ioctl(ep, EPIOCSPARAMS, NULL));
	R(ioctl(ep, EPIOCGPARAMS, NULL));
	memset(&p, 0, sizeof(p));
	R(ioctl(ep, EPIOCGPARAMS, &p));
	PARAMS(p);
	/* A budget above NAPI's weight (64) wants CAP_NET_ADMIN. */
	p = (struct epoll_params){ .busy_poll_usecs = 0x7fffffff, .busy_poll_budget = 65 };
	R(ioctl(ep, EPIOCSPARAMS, &p));
	memset(&p, 0, sizeof(p));
	R(ioctl(ep, EPIOCGPARAMS, &p));
	PARAMS(p);
	REQUIRE(drop_net_admin() == 0);
	p = (struct epoll_params){ .busy_poll_budget = 64 };
	R(ioctl(ep, EPIOCSPARAMS, &p));
	p = (struct epoll_params){ .busy_poll_budget = 65 };
	R(ioctl(ep, EPIOCSPARAMS, &p));
	p = (struct epoll_params){ .busy_poll_budget = 0xffff, .prefer_busy_poll = 2 };
	R(ioctl(ep, EPIOCSPARAMS, &p));
	memset(&p, 0, sizeof(p));
	R(ioctl(ep, EPIOCGPARAMS, &p));
	PARAMS(p);
	/* Other numbers, directions and sizes of epoll's type. */
	R(ioctl(ep, _IO(EPOLL_IOC_TYPE, 0), &p));
	R(ioctl(ep, _IOW(EPOLL_IOC_TYPE, 0x03, struct epoll_params), &p));
	R(ioctl(ep, _IOW(EPOLL_IOC_TYPE, 0x01, uint32_t), &p));
	R(ioctl(ep, _IOWR(EPOLL_IOC_TYPE, 0x02, struct epoll_params), &p));
	close(ep);
}

/* An instance cannot be mapped. */
MP_SCENARIO(instance, mmap_fails)
{
	void *p;
	int ep;

	ep = I->create1(0);
	REQUIRE(ep >= 0);
	errno = 0;
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ep, 0);
	NOTE("mmap: %s %s", p == MAP_FAILED ? "MAP_FAILED" : "mapped", mp_errname(errno));
	if (p != MAP_FAILED)
		munmap(p, 4096);
	close(ep);
}

/* O_NONBLOCK on the instance does not make a wait non-blocking. */
MP_SCENARIO(instance, nonblock_flag_ignored_by_wait)
{
	struct epoll_event evs[2];
	int ep, p[2];
	long t0;

	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_pipe(p) == 0);
	REQUIRE(fcntl(ep, F_SETFL, O_NONBLOCK) == 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, p[0], EV(EPOLLIN, 1)));
	t0 = mp_now_ms();
	W(evs, I->wait(ep, evs, 2, 200));
	NOTE("waited at least 150 ms: %s", mp_now_ms() - t0 >= 150 ? "yes" : "no");
	close(ep);
	close(p[0]);
	close(p[1]);
}

/* The fd table full: EMFILE, and nothing leaks. */
MP_SCENARIO(instance, create_emfile)
{
	struct rlimit rl;
	int next = mp_next_fd();

	REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	rl.rlim_cur = next;
	REQUIRE(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	R(I->create1(0));
	R(I->create(1));
	rl.rlim_cur = next + 1;
	REQUIRE(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	close(R(I->create1(EPOLL_CLOEXEC)));
}

/* Many instances at once, each independent of the others. */
MP_SCENARIO(instance, many_instances_independent)
{
	struct epoll_event evs[4];
	int ep[32], p[2], i;

	REQUIRE(mp_pipe(p) == 0);
	for (i = 0; i < 32; i++) {
		ep[i] = I->create1(EPOLL_CLOEXEC);
		REQUIRE(ep[i] >= 0);
	}
	for (i = 0; i < 32; i += 2)
		R(I->ctl(ep[i], EPOLL_CTL_ADD, p[1], EV(EPOLLOUT, i)));
	for (i = 0; i < 4; i++) {
		NOTE("instance %d:", i);
		W(evs, I->wait(ep[i], evs, 4, 0));
	}
	FDINFO(ep[30]);
	FDINFO(ep[31]);
	for (i = 0; i < 32; i++)
		close(ep[i]);
	close(p[0]);
	close(p[1]);
}

/* poll() and select() on an empty and on a ready instance. */
MP_SCENARIO(instance, poll_select_instance)
{
	struct pollfd pfd;
	struct timeval tv = { 0, 0 };
	fd_set rd, wr;
	int ep, p[2];

	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_pipe(p) == 0);
	pfd = (struct pollfd){ .fd = ep, .events = POLLIN | POLLOUT | POLLPRI | POLLRDHUP };
	R(poll(&pfd, 1, 0));
	NOTE("revents %#x", pfd.revents);
	R(I->ctl(ep, EPOLL_CTL_ADD, p[1], EV(EPOLLOUT, 7)));
	R(poll(&pfd, 1, 0));
	NOTE("revents %#x", pfd.revents);
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(ep, &rd);
	FD_SET(ep, &wr);
	R(select(ep + 1, &rd, &wr, NULL, &tv));
	NOTE("select: rd %d wr %d", FD_ISSET(ep, &rd), FD_ISSET(ep, &wr));
	close(ep);
	close(p[0]);
	close(p[1]);
}

TEST_HARNESS_MAIN
