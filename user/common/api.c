// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
#include <minipoll.h>

#include "api.h"

const struct mp_api mp_api_epoll = {
	"epoll", epoll_create1, epoll_ctl, epoll_wait,
};

const struct mp_api mp_api_minipoll = {
	"minipoll", minipoll_create1, minipoll_ctl, minipoll_wait,
};
