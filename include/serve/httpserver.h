/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The metrics endpoint of `gostray node`: GET /metrics serves the text the
 * main loop last published (include/serve/promtext.h renders it), GET / one line
 * pointing there, 404 for any other path, 405 for any other method.  The
 * server runs libmicrohttpd's own thread, which only ever copies the
 * published text under a mutex: it never touches tracer state, and a slow
 * or hostile client cannot stall tracing.  Connections are limited
 * (HTTPSERVER_MAX_CONNECTIONS in all, HTTPSERVER_MAX_PER_IP per address)
 * and idle ones closed after HTTPSERVER_TIMEOUT_S.
 */
#ifndef GOSTRAY_HTTPSERVER_H
#define GOSTRAY_HTTPSERVER_H

#include <stddef.h>
#include <stdint.h>

#define HTTPSERVER_DEFAULT_LISTEN "127.0.0.1:9464"
#define HTTPSERVER_MAX_CONNECTIONS 16
#define HTTPSERVER_MAX_PER_IP 4
#define HTTPSERVER_TIMEOUT_S 10

struct httpserver;

/*
 * Listens on addr: "127.0.0.1:9464", "[::1]:9464", "localhost:9464", or
 * ":9464" for every IPv4 address (what a pod needs); port 0 picks a free
 * one (httpserver_port() tells which).  NULL with a one-line message in
 * err (no "gostray: " prefix) when addr is malformed or cannot be bound.
 */
struct httpserver *httpserver_start(const char *addr, char *err, size_t errlen);

/* The port it listens on. */
uint16_t httpserver_port(const struct httpserver *srv);

/*
 * What GET /metrics serves from now on (copied).  Until the first call it
 * answers 503.  0 or -ENOMEM (the previous text stays).
 */
int httpserver_publish(struct httpserver *srv, const char *text, size_t len);

/* Stops serving and frees srv (NULL is fine). */
void httpserver_stop(struct httpserver *srv);

#endif /* GOSTRAY_HTTPSERVER_H */
