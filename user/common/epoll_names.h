/* SPDX-License-Identifier: MIT OR LGPL-2.1-or-later */
/*
 * Names for epoll's constants, for people reading and writing them: the
 * demo's narration, the shim's MINIPOLL_DEBUG trace, minipoll-inspect's
 * dumps and events. Not part of the library.
 */
#ifndef MINIPOLL_EPOLL_NAMES_H
#define MINIPOLL_EPOLL_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* "EPOLL_CTL_ADD", ..., or "op?" for anything else. */
const char *mp_op_name(int op);

/*
 * Write events as "EPOLLIN|EPOLLOUT" (unknown bits as a trailing hex
 * number, no bits as "0") into buf, truncating to len; returns buf.
 */
char *mp_events_str(uint32_t events, char *buf, size_t len);

#endif /* MINIPOLL_EPOLL_NAMES_H */
