/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * mp_fdinfo.h: the items an epoll or minipoll instance lists in its fdinfo.
 * It lives with the tests because they must build alone (as a kernel tree's
 * tools/testing/selftests/minipoll); user/ compiles mp_fdinfo.c from here
 * for its errno replay, as it does mp_evnames.c for the tools.
 */
#ifndef MP_FDINFO_H
#define MP_FDINFO_H

/*
 * Items in epfd's fdinfo (all of them with fd -1, else those whose tfd is
 * fd): the count, and the tfds of the first max in fds (may be NULL when
 * max is 0) in the order listed, the rbtree order. -1 if it cannot be read.
 */
int mp_fdinfo_tfds(int epfd, int fd, int *fds, int max);

#endif /* MP_FDINFO_H */
