// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mp_evnames.c: the table of mp_evnames.h and its printing.
 */
#include <stdio.h>
#include <sys/epoll.h>

#include "mp_evnames.h"

#define EVNAME(name, bit) { bit, #name, #bit }

const struct mp_evname mp_evnames[] = {
	EVNAME(IN, EPOLLIN), EVNAME(PRI, EPOLLPRI), EVNAME(OUT, EPOLLOUT),
	EVNAME(ERR, EPOLLERR), EVNAME(HUP, EPOLLHUP), EVNAME(NVAL, EPOLLNVAL),
	EVNAME(RDNORM, EPOLLRDNORM), EVNAME(RDBAND, EPOLLRDBAND),
	EVNAME(WRNORM, EPOLLWRNORM), EVNAME(WRBAND, EPOLLWRBAND),
	EVNAME(MSG, EPOLLMSG), EVNAME(RDHUP, EPOLLRDHUP), EVNAME(FREE, POLLFREE),
	EVNAME(URING_WAKE, EPOLL_URING_WAKE), EVNAME(EXCLUSIVE, EPOLLEXCLUSIVE),
	EVNAME(WAKEUP, EPOLLWAKEUP), EVNAME(ONESHOT, EPOLLONESHOT),
	EVNAME(ET, EPOLLET),
};
const unsigned int mp_nevnames = sizeof(mp_evnames) / sizeof(mp_evnames[0]);

const char *mp_evstr_fmt(uint32_t events, bool macros, const char *sep,
			 char *buf, size_t len)
{
	uint32_t rest = events;
	size_t off = 0;
	unsigned int i;
	int n;

	if (!len)
		return buf;
	buf[0] = 0;
	for (i = 0; i < mp_nevnames; i++) {
		if (!(events & mp_evnames[i].bit))
			continue;
		rest &= ~mp_evnames[i].bit;
		n = snprintf(buf + off, len - off, "%s%s", off ? sep : "",
			     macros ? mp_evnames[i].macro : mp_evnames[i].name);
		if (n < 0 || (size_t)n >= len - off)
			return buf;
		off += n;
	}
	if (rest || !off)
		snprintf(buf + off, len - off, "%s%#x", off ? sep : "", rest);
	return buf;
}

const char *mp_op_name(int op)
{
	switch (op) {
	case EPOLL_CTL_ADD: return "EPOLL_CTL_ADD";
	case EPOLL_CTL_MOD: return "EPOLL_CTL_MOD";
	case EPOLL_CTL_DEL: return "EPOLL_CTL_DEL";
	default:	    return "op?";
	}
}
