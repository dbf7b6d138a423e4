// SPDX-License-Identifier: BSD-2-Clause
/*
 * Node mode's reading of /proc/PID/cgroup: the container id and pod uid
 * that label a process's metrics, for the cgroup layouts container
 * runtimes write (cgroup v2 and v1, systemd and cgroupfs drivers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "trace/node.h"

#define CID "4d1f3e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70"

static void ids(const char *cgroup, const char *want_cid, const char *want_pod)
{
	char cid[80], pod[48];

	node_cgroup_ids(cgroup, cid, sizeof(cid), pod, sizeof(pod));
	if (strcmp(cid, want_cid) || strcmp(pod, want_pod))
		fail_msg("%s: got container '%s' pod '%s', want '%s' '%s'", cgroup, cid, pod,
			 want_cid, want_pod);
}

static void test_host_process(void **state)
{
	ids("0::/user.slice/user-0.slice/session-3.scope\n", "", "");
	ids("0::/system.slice/prometheus.service\n", "", "");
	ids("", "", "");
}

static void test_docker(void **state)
{
	ids("0::/system.slice/docker-" CID ".scope\n", CID, "");
	ids("12:pids:/docker/" CID "\n11:memory:/docker/" CID "\n", CID, "");
}

static void test_kubernetes(void **state)
{
	/* systemd driver: dashes of the pod uid written as underscores */
	ids("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
	    "0f1e2d3c_4b5a_6978_8a9b_0c1d2e3f4a5b.slice/cri-containerd-" CID ".scope\n",
	    CID, "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b");
	/* cgroupfs driver */
	ids("0::/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/" CID "\n",
	    CID, "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b");
}

static void test_not_an_id(void **state)
{
	/* 63 or 65 hex digits, or upper case, are not a container id */
	ids("0::/docker-" "4d1f3e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7" ".scope\n",
	    "", "");
	ids("0::/x-" CID "0.scope\n", "", "");
	ids("0::/podname/short\n", "", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_process),
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_kubernetes),
		cmocka_unit_test(test_not_an_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
