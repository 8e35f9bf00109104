/* Whole-message input and output for sign and seal. */
#include "msgio.h"

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int msgio_read(const char *path, char **buf, size_t *len)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "standard input" : path;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 65536, n = 0;
	char *b;

	*buf = NULL;
	*len = 0;
	if (fd < 0) {
		cli_error("cannot read %s: %s", name, strerror(errno));
		return -1;
	}
	b = malloc(cap + 1);
	for (;;) {
		ssize_t got;

		if (b == NULL) {
			cli_error("out of memory reading %s", name);
			goto fail;
		}
		if (n == cap) {
			char *nb;

			if (cap >= MSGIO_MAX_BYTES) {
				cli_error("%s is larger than %u MiB; messages are held in memory "
				          "to be rewritten",
				          name, MSGIO_MAX_BYTES >> 20);
				goto fail;
			}
			cap *= 2;
			nb = realloc(b, cap + 1);
			if (nb == NULL)
				free(b);
			b = nb;
			continue;
		}
		got = read(fd, b + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			cli_error("cannot read %s: %s", name, strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (!is_stdin)
		close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
fail:
	free(b);
	if (!is_stdin)
		close(fd);
	return -1;
}

int msgio_to_crlf(char **buf, size_t *len)
{
	const char *s = *buf;
	size_t n = *len, extra = 0, o = 0;
	char *d;

	for (size_t i = 0; i < n; i++)
		extra += s[i] == '\n' && (i == 0 || s[i - 1] != '\r');
	if (extra == 0)
		return 0;
	d = malloc(n + extra + 1);
	if (d == NULL) {
		cli_error("out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			d[o++] = '\r';
		d[o++] = s[i];
	}
	d[o] = '\0';
	free(*buf);
	*buf = d;
	*len = o;
	return 0;
}

static bool write_all(FILE *f, const char *p, size_t n)
{
	return n == 0 || fwrite(p, 1, n, f) == n;
}

int msgio_write(const char *out, const char *fields, const char *buf, size_t len)
{
	bool to_stdout = out == NULL || strcmp(out, "-") == 0;
	size_t head = 0;
	char *tmp = NULL;
	FILE *f = stdout;
	int fd;

	/* An mbox "From " line stays first: the verifier skips it there. */
	if (len >= 5 && memcmp(buf, "From ", 5) == 0) {
		const char *nl = memchr(buf, '\n', len);

		if (nl != NULL)
			head = (size_t)(nl - buf) + 1;
	}
	if (!to_stdout) {
		size_t n = strlen(out) + sizeof ".XXXXXX";

		tmp = malloc(n);
		if (tmp == NULL) {
			cli_error("out of memory");
			return -1;
		}
		snprintf(tmp, n, "%s.XXXXXX", out);
		fd = mkstemp(tmp);
		if (fd < 0 || (f = fdopen(fd, "wb")) == NULL) {
			cli_error("cannot write %s: %s", out, strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			free(tmp);
			return -1;
		}
		/* mkstemp makes 0600; a message gets the usual mode. */
		mode_t um = umask(0);

		umask(um);
		(void)fchmod(fd, 0666 & ~um);
	}
	bool ok = write_all(f, buf, head) && write_all(f, fields, strlen(fields)) &&
	          write_all(f, buf + head, len - head) && fflush(f) == 0 && !ferror(f);

	if (to_stdout) {
		if (!ok)
			cli_error("cannot write the output: %s", strerror(errno));
		return ok ? 0 : -1;
	}
	if (fclose(f) != 0)
		ok = false;
	if (ok && rename(tmp, out) != 0)
		ok = false;
	if (!ok) {
		cli_error("cannot write %s: %s", out, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return ok ? 0 : -1;
}
