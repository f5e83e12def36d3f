// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
#include <stdio.h>
#include <sys/epoll.h>

#include "epoll_names.h"

const char *mp_op_name(int op)
{
	switch (op) {
	case EPOLL_CTL_ADD: return "EPOLL_CTL_ADD";
	case EPOLL_CTL_MOD: return "EPOLL_CTL_MOD";
	case EPOLL_CTL_DEL: return "EPOLL_CTL_DEL";
	default:	    return "op?";
	}
}

/* <linux/eventpoll.h> has it, glibc's <sys/epoll.h> does not. */
#ifndef EPOLLNVAL
#define EPOLLNVAL 0x020
#endif

#define NAME(flag) { flag, #flag }
#define N_NAMES (sizeof(mp_event_names) / sizeof(mp_event_names[0]))

/* The one table of event names in user/. */
static const struct {
	uint32_t bit;
	const char *name;
} mp_event_names[] = {
	NAME(EPOLLIN), NAME(EPOLLPRI), NAME(EPOLLOUT), NAME(EPOLLERR),
	NAME(EPOLLHUP), NAME(EPOLLNVAL), NAME(EPOLLRDNORM), NAME(EPOLLRDBAND),
	NAME(EPOLLWRNORM), NAME(EPOLLWRBAND), NAME(EPOLLMSG), NAME(EPOLLRDHUP),
	NAME(EPOLLEXCLUSIVE), NAME(EPOLLWAKEUP), NAME(EPOLLONESHOT),
	NAME(EPOLLET),
};

char *mp_events_str(uint32_t events, char *buf, size_t len)
{
	size_t used = 0, i;
	int n;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < N_NAMES; i++) {
		if (!(events & mp_event_names[i].bit))
			continue;
		events &= ~mp_event_names[i].bit;
		n = snprintf(buf + used, len - used, "%s%s", used ? "|" : "",
			     mp_event_names[i].name);
		if (n < 0 || (size_t)n >= len - used)
			return buf;
		used += n;
	}
	if (events || !used)
		snprintf(buf + used, len - used, "%s%#x", used ? "|" : "",
			 events);
	return buf;
}
