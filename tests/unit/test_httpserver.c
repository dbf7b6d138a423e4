// SPDX-License-Identifier: BSD-2-Clause
/*
 * The metrics endpoint (include/serve/httpserver.h) through a raw socket: status,
 * headers and body of every route, what it serves before and after a
 * publish, clear errors for bad or busy addresses, and no descriptor left
 * behind by a start and stop.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "serve/httpserver.h"

struct reply {
	int status;
	char *head;	/* status line and headers, each ending in CRLF */
	char *body;
	size_t body_len;
};

static void reply_free(struct reply *r)
{
	free(r->head);
	free(r->body);
}

/* One HTTP/1.1 request on a new connection; the server closes it after. */
static struct reply request(uint16_t port, const char *method, const char *path)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 5 };
	size_t len = 0, cap = 1 << 16;
	struct reply r = { 0 };
	char *buf = malloc(cap), *sep;
	ssize_t n;
	int fd;

	assert_non_null(buf);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	n = snprintf(buf, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
		     method, path);
	assert_int_equal(write(fd, buf, n), n);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (len + 1 == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	assert_int_equal(n, 0);	/* EOF, not a timeout */
	close(fd);
	buf[len] = '\0';
	sep = strstr(buf, "\r\n\r\n");
	assert_non_null(sep);
	r.body_len = len - (sep + 4 - buf);
	r.body = malloc(r.body_len + 1);
	memcpy(r.body, sep + 4, r.body_len + 1);
	sep[2] = '\0';	/* the head keeps its last CRLF */
	r.head = buf;
	assert_int_equal(sscanf(buf, "HTTP/1.1 %d ", &r.status), 1);
	return r;
}

static int has_header(const struct reply *r, const char *line)
{
	char needle[256];

	snprintf(needle, sizeof(needle), "\r\n%s\r\n", line);
	return strstr(r->head, needle) != NULL;
}

static struct httpserver *start(const char *addr)
{
	struct httpserver *srv;
	char err[256] = "";

	srv = httpserver_start(addr, err, sizeof(err));
	if (!srv)
		fail_msg("httpserver_start(%s): %s", addr, err);
	assert_true(httpserver_port(srv) != 0);
	return srv;
}

static void test_routes(void **state)
{
	static const char text[] = "# HELP x X.\n# TYPE x gauge\nx 1\n";
	struct httpserver *srv = start("127.0.0.1:0");
	uint16_t port = httpserver_port(srv);
	struct reply r;

	/* Nothing published yet: not an empty page Prometheus would take for no series. */
	r = request(port, "GET", "/metrics");
	assert_int_equal(r.status, 503);
	reply_free(&r);

	assert_int_equal(httpserver_publish(srv, text, strlen(text)), 0);
	r = request(port, "GET", "/metrics");
	assert_int_equal(r.status, 200);
	assert_true(has_header(&r, "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
	assert_int_equal(r.body_len, strlen(text));
	assert_string_equal(r.body, text);
	reply_free(&r);

	/* The query string is not part of the path. */
	r = request(port, "GET", "/metrics?x=1");
	assert_int_equal(r.status, 200);
	reply_free(&r);

	r = request(port, "HEAD", "/metrics");
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	reply_free(&r);

	r = request(port, "GET", "/");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "/metrics"));
	reply_free(&r);

	r = request(port, "GET", "/metrics/x");
	assert_int_equal(r.status, 404);
	reply_free(&r);

	r = request(port, "POST", "/metrics");
	assert_int_equal(r.status, 405);
	assert_true(has_header(&r, "Allow: GET, HEAD"));
	reply_free(&r);

	r = request(port, "DELETE", "/");
	assert_int_equal(r.status, 405);
	reply_free(&r);

	httpserver_stop(srv);
}

/* A new publish replaces the text, large ones included. */
static void test_publish_replaces(void **state)
{
	struct httpserver *srv = start("127.0.0.1:0");
	size_t big_len = 3 << 20, i;
	char *big = malloc(big_len);
	struct reply r;

	assert_non_null(big);
	for (i = 0; i < big_len; i++)
		big[i] = i % 61 == 60 ? '\n' : 'a' + i % 26;
	assert_int_equal(httpserver_publish(srv, "a 1\n", 4), 0);
	assert_int_equal(httpserver_publish(srv, big, big_len), 0);
	r = request(httpserver_port(srv), "GET", "/metrics");
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, big_len);
	assert_memory_equal(r.body, big, big_len);
	reply_free(&r);
	assert_int_equal(httpserver_publish(srv, "b 2\n", 4), 0);
	r = request(httpserver_port(srv), "GET", "/metrics");
	assert_string_equal(r.body, "b 2\n");
	reply_free(&r);
	httpserver_stop(srv);
	free(big);
}

static void assert_refused(const char *addr, const char *why)
{
	char err[256] = "";

	if (httpserver_start(addr, err, sizeof(err)))
		fail_msg("%s was accepted", addr);
	if (!strstr(err, why) || !strstr(err, "--listen") || strchr(err, '\n'))
		fail_msg("%s: \"%s\", want one line with \"%s\"", addr, err, why);
}

static void test_bad_addresses(void **state)
{
	struct httpserver *srv;
	char busy[64];

	assert_refused("9464", "not an address and port");
	assert_refused("localhost", "not an address and port");
	assert_refused("127.0.0.1:", "not an address and port");
	assert_refused("127.0.0.1:99999", "not an address and port");
	assert_refused("127.0.0.1:94a", "not an address and port");
	assert_refused("1.2.3:80", "not an address and port");
	assert_refused("[::1]", "not an address and port");
	assert_refused("[nope]:80", "not an address and port");
	assert_refused("example.com:80", "not an address and port");
	assert_refused("::1:9464", "in brackets");

	srv = start("127.0.0.1:0");
	snprintf(busy, sizeof(busy), "127.0.0.1:%u", httpserver_port(srv));
	assert_refused(busy, "address already in use");
	httpserver_stop(srv);
	httpserver_stop(NULL);
}

static void test_other_forms(void **state)
{
	struct httpserver *srv;
	int fd;

	srv = start("localhost:0");
	httpserver_stop(srv);
	srv = start(":0");
	httpserver_stop(srv);
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd < 0) {
		printf("SKIP [::1]:0: no IPv6 here\n");
		return;
	}
	close(fd);
	srv = start("[::1]:0");
	httpserver_stop(srv);
}

static int count_fds(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* node mode restarts nothing, but a leak here would show as one fd per try. */
static void test_no_fd_left(void **state)
{
	struct httpserver *srv;
	struct reply r;
	int before, i;

	before = count_fds();
	for (i = 0; i < 20; i++) {
		srv = start("127.0.0.1:0");
		httpserver_publish(srv, "x 1\n", 4);
		r = request(httpserver_port(srv), "GET", "/metrics");
		assert_int_equal(r.status, 200);
		reply_free(&r);
		httpserver_stop(srv);
	}
	assert_int_equal(count_fds(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_publish_replaces),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_other_forms),
		cmocka_unit_test(test_no_fd_left),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
