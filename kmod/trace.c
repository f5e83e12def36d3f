// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: the one place the tracepoints of mp_trace.h are defined.
 * The other files include mp_trace.h and call trace_minipoll_*().
 */
#define CREATE_TRACE_POINTS
#include "mp_trace.h"
