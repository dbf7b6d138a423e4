// SPDX-License-Identifier: BSD-2-Clause
/*
 * The metrics endpoint on libmicrohttpd (include/serve/httpserver.h).  The
 * socket is bound here rather than by libmicrohttpd so that a busy or
 * malformed address gets one clear line instead of a library message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "serve/httpserver.h"

#define PROMTEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct httpserver {
	struct MHD_Daemon *daemon;
	uint16_t port;
	pthread_mutex_t lock;	/* guards text and len */
	char *text;		/* NULL until the first publish */
	size_t len;
};

static enum MHD_Result reply_static(struct MHD_Connection *conn, unsigned int status,
				    const char *body, bool allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_metrics(struct httpserver *srv, struct MHD_Connection *conn)
{
	struct MHD_Response *resp = NULL;
	enum MHD_Result ret;
	bool ready;

	pthread_mutex_lock(&srv->lock);
	ready = srv->text != NULL;
	if (ready)
		resp = MHD_create_response_from_buffer(srv->len, srv->text,
						       MHD_RESPMEM_MUST_COPY);
	pthread_mutex_unlock(&srv->lock);
	if (!ready)
		return reply_static(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				    "gostray: no metrics yet\n", false);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, PROMTEXT_CONTENT_TYPE);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url,
			     const char *method, const char *version, const char *upload_data,
			     size_t *upload_data_size, void **con_cls)
{
	struct httpserver *srv = cls;

	/* Answered on the headers: a request body is never read. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_static(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				    "gostray: only GET and HEAD\n", true);
	if (!strcmp(url, "/metrics"))
		return reply_metrics(srv, conn);
	if (!strcmp(url, "/"))
		return reply_static(conn, MHD_HTTP_OK,
				    "gostray node: Prometheus metrics at /metrics\n", false);
	return reply_static(conn, MHD_HTTP_NOT_FOUND, "gostray: not found; try /metrics\n",
			    false);
}

/* "host:port" into addr; -1 with err set when malformed. */
static int parse_listen(const char *addr, struct sockaddr_storage *ss, socklen_t *sslen,
			char *err, size_t errlen)
{
	const char *s = addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	char host[64];
	const char *port_s, *end;
	unsigned long port;
	bool v6 = false;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end || end[1] != ':')
			goto malformed;
		v6 = true;
		n = end - s - 1;
		port_s = end + 2;
		s++;
	} else {
		end = strrchr(s, ':');
		if (!end)
			goto malformed;
		n = end - s;
		port_s = end + 1;
		if (memchr(s, ':', n)) {
			snprintf(err, errlen, "--listen %s: an IPv6 address goes in brackets ([::1]:9464)",
				 addr);
			return -1;
		}
	}
	if (n >= sizeof(host) || !*port_s || strspn(port_s, "0123456789") != strlen(port_s) ||
	    strlen(port_s) > 5)
		goto malformed;
	memcpy(host, s, n);
	host[n] = '\0';
	port = strtoul(port_s, NULL, 10);
	if (port > 65535)
		goto malformed;

	if (v6) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			goto malformed;
		*sslen = sizeof(*in6);
		return 0;
	}
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	/* Empty host: every address, as a pod's port needs. */
	if (!host[0])
		in->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (!strcmp(host, "localhost"))
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
		goto malformed;
	*sslen = sizeof(*in);
	return 0;

malformed:
	snprintf(err, errlen,
		 "--listen %s: not an address and port (127.0.0.1:9464, [::1]:9464, :9464)",
		 addr);
	return -1;
}

static int listen_on(const char *addr, uint16_t *port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd, one = 1;

	if (parse_listen(addr, &ss, &sslen, err, errlen))
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "--listen %s: socket: %s", addr, strerror(errno));
		return -1;
	}
	/* A restarted gostray must not wait out TIME_WAIT of its last scrapes. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sslen) || listen(fd, 32)) {
		snprintf(err, errlen, "--listen %s: %s", addr,
			 errno == EADDRINUSE ? "address already in use" : strerror(errno));
		goto close_fd;
	}
	sslen = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen)) {
		snprintf(err, errlen, "--listen %s: getsockname: %s", addr, strerror(errno));
		goto close_fd;
	}
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
						 ((struct sockaddr_in *)&ss)->sin_port);
	return fd;

close_fd:
	close(fd);
	return -1;
}

struct httpserver *httpserver_start(const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct httpserver *srv;
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD;
	int fd;

	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	fd = listen_on(addr, &srv->port, err, errlen);
	if (fd < 0)
		goto free_srv;
	if (!getsockname(fd, (struct sockaddr *)&ss, &sslen) && ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	pthread_mutex_init(&srv->lock, NULL);
	srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, serve, srv,
				       MHD_OPTION_LISTEN_SOCKET, fd,
				       MHD_OPTION_CONNECTION_LIMIT,
				       (unsigned int)HTTPSERVER_MAX_CONNECTIONS,
				       MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				       (unsigned int)HTTPSERVER_MAX_PER_IP,
				       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTPSERVER_TIMEOUT_S,
				       MHD_OPTION_END);
	if (!srv->daemon) {
		snprintf(err, errlen, "--listen %s: cannot start the HTTP server", addr);
		goto destroy_lock;
	}
	return srv;

destroy_lock:
	pthread_mutex_destroy(&srv->lock);
	close(fd);
free_srv:
	free(srv);
	return NULL;
}

uint16_t httpserver_port(const struct httpserver *srv)
{
	return srv->port;
}

int httpserver_publish(struct httpserver *srv, const char *text, size_t len)
{
	char *copy, *old;

	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	pthread_mutex_lock(&srv->lock);
	old = srv->text;
	srv->text = copy;
	srv->len = len;
	pthread_mutex_unlock(&srv->lock);
	free(old);
	return 0;
}

void httpserver_stop(struct httpserver *srv)
{
	if (!srv)
		return;
	/* Joins the server's thread and closes the listening socket. */
	MHD_stop_daemon(srv->daemon);
	pthread_mutex_destroy(&srv->lock);
	free(srv->text);
	free(srv);
}
