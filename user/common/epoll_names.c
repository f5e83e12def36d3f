// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* The one table of event names in user/: printing and parsing use it. */
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

/* One word of mp_events_parse(): a name with or without EPOLL, or a number. */
static int event_word(const char *tok, uint32_t *bit)
{
	const char *w = tok;
	char *end;
	size_t i;

	if (!strncasecmp(w, "EPOLL", 5))
		w += 5;
	for (i = 0; i < N_NAMES; i++) {
		if (!strcasecmp(w, mp_event_names[i].name + 5)) {
			*bit = mp_event_names[i].bit;
			return 0;
		}
	}
	errno = 0;
	*bit = (uint32_t)strtoul(tok, &end, 0);
	return errno || *end || end == tok ? -1 : 0;
}

int mp_events_parse(const char *s, uint32_t *events)
{
	char buf[128], *tok, *save;
	uint32_t bit;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	*events = 0;
	for (tok = strtok_r(buf, ",|", &save); tok; tok = strtok_r(NULL, ",|", &save)) {
		if (event_word(tok, &bit) < 0)
			return -1;
		*events |= bit;
	}
	return 0;
}
