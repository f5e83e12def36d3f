// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * preload-smoke: an ordinary epoll program, to run under minipoll-run.
 * It makes each interposed call once (the six functions and syscall()
 * with each epoll number) and checks the results; preload.sh checks which
 * implementation answered and what the shim said.
 *
 *	epfd (epoll_create1) --- pipe read end   <- one byte written
 *	epfd2 (syscall)      --- pipe read end
 */
#include <errno.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("not ok: line %d: %s\n", __LINE__, #cond);	\
		return 1;						\
	}								\
} while (0)

int main(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 }, out[4];
	struct timespec zero = { 0, 0 };
	int p[2], epfd, epfd2;

	CHECK(pipe(p) == 0 && write(p[1], "x", 1) == 1);
	CHECK(epoll_create(0) == -1 && errno == EINVAL);
	CHECK(epoll_create1(-1) == -1 && errno == EINVAL);

	epfd = epoll_create(1);
	CHECK(epfd >= 0);
	close(epfd);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	CHECK(epfd >= 0);
	CHECK(epoll_ctl(epfd, EPOLL_CTL_ADD, p[0], &ev) == 0);
	CHECK(epoll_wait(epfd, out, 4, 0) == 1 && out[0].data.u64 == 42);
	CHECK(epoll_pwait(epfd, out, 4, 0, NULL) == 1);
	CHECK(epoll_pwait2(epfd, out, 4, &zero, NULL) == 1);
	CHECK(epoll_wait(p[0], out, 4, 0) == -1 && errno == EINVAL);

	epfd2 = syscall(SYS_epoll_create1, 0);
	CHECK(epfd2 >= 0);
	CHECK(syscall(SYS_epoll_ctl, epfd2, EPOLL_CTL_ADD, p[0], &ev) == 0);
	CHECK(syscall(SYS_epoll_wait, epfd2, out, 4, 0) == 1);
	CHECK(syscall(SYS_epoll_pwait, epfd2, out, 4, 0, NULL, 8) == 1);
	CHECK(syscall(SYS_epoll_pwait2, epfd2, out, 4, &zero, NULL, 8) == 1);
	CHECK(syscall(SYS_epoll_ctl, epfd2, EPOLL_CTL_DEL, p[0], NULL) == 0);
	CHECK(syscall(SYS_epoll_create, 0) == -1 && errno == EINVAL);
	/* Not an epoll number: passed through untouched. */
	CHECK(syscall(SYS_getppid) == getppid());

	printf("ok: preload-smoke\n");
	return 0;
}
