// SPDX-License-Identifier: GPL-2.0
/*
 * epoll_wakeup_main.c: the kernel's own epoll_wakeup_test, compiled from the
 * unmodified file of the tested kernel's source (linux-source-6.1 or -6.12,
 * with that tree's harness: included below, paths from the Makefile), with
 * a main() that can also run chosen cases:
 *
 *   epoll_wakeup_test                    all 64 cases, exactly as upstream
 *   epoll_wakeup_test epoll58 epoll58 ...
 *                                        only the cases named, in that order;
 *                                        a name given twice runs twice
 *
 * Several upstream cases race a writer thread against two woken pollers, so
 * on a slow guest they fail now and then on the real epoll as well. The
 * harness cannot rerun one case, and rerunning all 64 costs a minute under
 * KASAN; upstream_epoll.sh reruns just the cases minipoll failed, many times
 * on both implementations, and compares how often each passes.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

static int mp_run_cases(int argc, char **argv);

/*
 * The upstream file ends with TEST_HARNESS_MAIN; its include of the harness
 * is a no-op now (include guard), so this definition is the one it expands.
 * It keeps what the harness's own adds besides main(): in 6.1's harness a
 * last constructor that tells it in which order constructors ran (the
 * order of the registered cases depends on it); 6.12's fixes that order
 * with constructor priorities and has no such flag to set.
 */
#ifdef _CONSTRUCTOR_ORDER_BACKWARD
#define MP_CONSTRUCTOR_ORDER_LAST \
	static void __attribute__((constructor)) \
	__constructor_order_last(void) \
	{ \
		if (!__constructor_order) \
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	}
#else
#define MP_CONSTRUCTOR_ORDER_LAST
#endif

#undef TEST_HARNESS_MAIN
#define TEST_HARNESS_MAIN \
	MP_CONSTRUCTOR_ORDER_LAST \
	int main(int argc, char **argv) \
	{ \
		return mp_run_cases(argc, argv); \
	}

#include UPSTREAM_EPOLL_C

/* Upstream's cases are all TEST()s: they live in the global fixture. */
static struct __test_metadata *mp_find_case(struct __test_metadata *list,
					    const char *name)
{
	if (!strncmp(name, "global.", 7))
		name += 7;
	for (; list; list = list->next)
		if (!strcmp(list->name, name))
			return list;
	return NULL;
}

static int mp_run_cases(int argc, char **argv)
{
	struct __test_metadata *all = _fixture_global.tests;
	struct __test_metadata *head = NULL, *tail = NULL;
	int i;

	if (argc < 2)
		return test_harness_run(argc, argv);

	for (i = 1; i < argc; i++) {
		struct __test_metadata *t = mp_find_case(all, argv[i]);
		struct __test_metadata *copy;

		if (!t) {
			fprintf(stderr, "epoll_wakeup_test: no case named '%s'\n", argv[i]);
			return KSFT_FAIL;
		}
		/* Each run gets its own record: the harness keeps state in it. */
		copy = malloc(sizeof(*copy));
		if (!copy) {
			perror("epoll_wakeup_test");
			return KSFT_FAIL;
		}
		*copy = *t;
		copy->next = NULL;
		copy->prev = tail ? tail : copy;
		if (tail)
			tail->next = copy;
		else
			head = copy;
		tail = copy;
		head->prev = tail;
	}
	_fixture_global.tests = head;
	return test_harness_run(argc, argv);
}
