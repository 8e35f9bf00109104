/* The live DNS source's sockets: c-ares opens, reads and writes them through us. */
#include "abiver.h"
#include "keysrc_dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* ---- sockets ------------------------------------------------------------ */

/* c-ares tells us which sockets to wait on (called with the lock held). */
void da_kdns_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	dns *d = data;
	size_t i;

	for (i = 0; i < d->nsocks && d->socks[i].fd != fd; i++)
		;
	if (!readable && !writable) {
		if (i < d->nsocks)
			d->socks[i] = d->socks[--d->nsocks];
		return;
	}
	if (i == d->nsocks) {
		if (d->nsocks == d->capsocks) {
			size_t cap = d->capsocks ? d->capsocks * 2 : 8;
			dkimarc_dns_socket *s = realloc(d->socks, cap * sizeof *s);
			if (s == NULL)
				return; /* the query times out instead */
			d->socks = s;
			d->capsocks = cap;
		}
		d->nsocks++;
	}
	d->socks[i].fd = fd;
	d->socks[i].events = (readable ? DKIMARC_DNS_READ : 0) | (writable ? DKIMARC_DNS_WRITE : 0);
}

/*
 * Our socket functions for c-ares. They do what c-ares would (non-blocking,
 * close-on-exec, no SIGPIPE, TCP_NODELAY) and let us see the RCODE of each
 * answer as it is read: c-ares 1.18 reports a SERVFAIL or REFUSED from the
 * last server as "connection refused", and a user deserves the real reason.
 */
static ares_socket_t sock_open(int domain, int type, int protocol, void *data)
{
	dns *d = data;
	int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);

	if (fd >= 0 && type == SOCK_DGRAM) {
		/* Room for a window of answers; the kernel caps it at rmem_max. */
		int size = 1 << 20;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	}
	if (fd >= 0 && type == SOCK_STREAM) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (d->ntcp == d->captcp) {
			size_t cap = d->captcp ? d->captcp * 2 : 4;
			struct tcp_track *t = realloc(d->tcp, cap * sizeof *t);
			if (t == NULL) {
				close(fd);
				errno = ENOMEM;
				return ARES_SOCKET_BAD;
			}
			d->tcp = t;
			d->captcp = cap;
		}
		d->tcp[d->ntcp++] = (struct tcp_track){.fd = fd};
	}
	return fd;
}

static int sock_close(ares_socket_t fd, void *data)
{
	dns *d = data;

	for (size_t i = 0; i < d->ntcp; i++)
		if (d->tcp[i].fd == fd)
			d->tcp[i] = d->tcp[--d->ntcp];
	return close(fd);
}

static int sock_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len, void *data)
{
	(void)data;
	return connect(fd, sa, len);
}

static ares_ssize_t sock_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags,
                                  struct sockaddr *from, ares_socklen_t *fromlen, void *data)
{
	dns *d = data;
	ssize_t n = recvfrom(fd, buf, len, flags, from, fromlen);
	const unsigned char *p = buf;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	size_t i;

	if (n < 0 && errno == ECONNREFUSED) {
		/* An ICMP refusal: name the refusing server, forget older RCODEs. */
		int e = errno;
		d->last_rcode = -1;
		if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
			da_kdns_fmt_addr((struct sockaddr *)&ss, d->cur_server,
			                 sizeof d->cur_server);
		errno = e;
	}
	if (n <= 0)
		return n;
	/*
	 * The answer's sender, now: c-ares may close a socket and open another
	 * under the same number within one ares_process_fd call.
	 */
	if (from != NULL && fromlen != NULL && *fromlen > 0)
		da_kdns_fmt_addr(from, d->cur_server, sizeof d->cur_server);
	else if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		da_kdns_fmt_addr((struct sockaddr *)&ss, d->cur_server, sizeof d->cur_server);
	for (i = 0; i < d->ntcp && d->tcp[i].fd != fd; i++)
		;
	if (i == d->ntcp) {
		/* UDP: one datagram, one answer. */
		if (n >= 4)
			d->last_rcode = p[3] & 0x0f;
		return n;
	}
	/* TCP: follow the stream of length-prefixed messages byte by byte. */
	struct tcp_track *t = &d->tcp[i];
	for (ssize_t k = 0; k < n; k++) {
		if (t->pos < 2) {
			t->lenbuf[t->pos++] = p[k];
			t->len = (unsigned)t->lenbuf[0] << 8 | t->lenbuf[1];
		} else {
			if (t->pos == 5)
				d->last_rcode = p[k] & 0x0f;
			t->pos++;
		}
		if (t->pos >= 2 && t->pos == t->len + 2)
			t->pos = 0;
	}
	return n;
}

static ares_ssize_t sock_sendv(ares_socket_t fd, const struct iovec *iov, int n, void *data)
{
	/* msghdr wants a mutable array; a short send of the first ones is a valid answer. */
	struct iovec v[16];
	size_t k = n > 0 ? ((size_t)n < 16 ? (size_t)n : 16) : 0;
	for (size_t i = 0; i < k; i++)
		v[i] = iov[i];
	struct msghdr m = {.msg_iov = v, .msg_iovlen = k};

	(void)data;
	return sendmsg(fd, &m, MSG_NOSIGNAL);
}

const struct ares_socket_functions da_kdns_sock_funcs = {
    .asocket = sock_open,
    .aclose = sock_close,
    .aconnect = sock_connect,
    .arecvfrom = sock_recvfrom,
    .asendv = sock_sendv,
};

/*
 * Processes one socket (fd -1: only expired timeouts); sock_recvfrom notes
 * who sent each answer it reads, and nothing read before is credited.
 */
void da_kdns_process_fd(dns *d, int fd, int events)
{
	d->cur_server[0] = '\0';
	d->last_rcode = -1;
	ares_process_fd(d->ch, fd >= 0 && (events & DKIMARC_DNS_READ) ? fd : ARES_SOCKET_BAD,
	                fd >= 0 && (events & DKIMARC_DNS_WRITE) ? fd : ARES_SOCKET_BAD);
	d->cur_server[0] = '\0';
	d->last_rcode = -1;
}
