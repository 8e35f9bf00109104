/* The archive file that `keys pin` and `keys recover` write (keyopts.h). */
#include "cli.h"
#include "keyopts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *archive_out_open(const char *out, bool append, bool force, char **tmp)
{
	struct stat st;
	*tmp = NULL;
	if (strcmp(out, "-") == 0)
		return stdout;
	if (append) {
		FILE *f = fopen(out, "a");
		if (!f)
			cli_error("cannot open %s: %s", out, strerror(errno));
		return f;
	}
	if (!force && stat(out, &st) == 0) {
		cli_error("%s exists; use --append to add to it or --force to replace it", out);
		return NULL;
	}
	/* A new file is written beside it and renamed: a failed run leaves the old one whole. */
	size_t len = strlen(out) + 32;
	if (!(*tmp = malloc(len))) {
		cli_error("out of memory");
		return NULL;
	}
	snprintf(*tmp, len, "%s.tmp%ld", out, (long)getpid());
	int fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		cli_error("cannot create %s: %s", *tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(*tmp);
		*tmp = NULL;
	}
	return f;
}

int archive_out_close(FILE *f, const char *out, char *tmp, bool ok)
{
	int bad = fflush(f) != 0 || ferror(f);
	if (f != stdout)
		bad |= fclose(f) != 0;
	if (bad)
		cli_error("cannot write %s: %s", tmp ? tmp : out, strerror(errno));
	if (tmp) {
		if (!bad && ok && rename(tmp, out) < 0) {
			cli_error("cannot rename %s to %s: %s", tmp, out, strerror(errno));
			bad = 1;
		}
		if (bad || !ok)
			unlink(tmp);
		free(tmp);
	}
	return bad ? -1 : 0;
}
