/* SPDX-License-Identifier: MIT OR LGPL-2.1-or-later */
/*
 * The epoll API from libc or from libminipoll: libminipoll's calls have
 * epoll's signatures, so a tool written once against this table runs on
 * either. Not part of the library.
 */
#ifndef MINIPOLL_API_H
#define MINIPOLL_API_H

#include <sys/epoll.h>

struct mp_api {
	const char *name;	/* "epoll", "minipoll" */
	int (*create1)(int flags);
	int (*ctl)(int epfd, int op, int fd, struct epoll_event *ev);
	int (*wait)(int epfd, struct epoll_event *evs, int max, int timeout);
};

extern const struct mp_api mp_api_epoll, mp_api_minipoll;

#endif /* MINIPOLL_API_H */
