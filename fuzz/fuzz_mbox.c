/*
 * mbox reading: the message splitter (da_mbox_open / da_mbox_next, GMime's
 * parser underneath, on a memory file) and the streaming ">From "
 * un-quoting (da_unquote_*).
 *
 * Properties: messages come in order, each inside the file and after its
 * own "From " separator line, which starts a line and is a separator by
 * da_mbox_is_separator;
 * un-quoting in random chunks equals one call, never grows the text, and
 * mode "none" is the identity.
 */
#define _GNU_SOURCE
#include "fuzz.h"
#include "mbox.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void check_split(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz.mbox", 0);
	da_mbox *mb = NULL;
	da_mbox_msg m;
	uint64_t prev_end = 0, count = 0;
	int rc;

	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size);
	FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);
	if (da_mbox_open("fuzz.mbox", fd, &mb) != DKIMARC_OK)
		return; /* the reader closed fd */
	while ((rc = da_mbox_next(mb, &m)) == 1) {
		FUZZ_CHECK(m.index == count++);
		FUZZ_CHECK(m.sep >= prev_end && m.sep < m.start && m.start <= m.end &&
		           m.end <= size);
		FUZZ_CHECK(memcmp(data + m.sep, "From ", 5) == 0);
		FUZZ_CHECK(m.sep == 0 || data[m.sep - 1] == '\n'); /* a separator starts a line */
		const uint8_t *nl = memchr(data + m.sep, '\n', m.start - m.sep);
		FUZZ_CHECK(nl != NULL && (uint64_t)(nl - data) + 1 == m.start);
		size_t ll = (size_t)(nl - (data + m.sep));
		if (ll > 0 && data[m.sep + ll - 1] == '\r')
			ll--;
		FUZZ_CHECK(da_mbox_is_separator((const char *)data + m.sep, ll));
		FUZZ_CHECK(m.rejected == 0 ||
		           (m.first_rejected >= m.start && m.first_rejected < m.end));
		prev_end = m.end;
	}
	FUZZ_CHECK(rc == 0 || rc < 0);
	da_mbox_close(mb);
}

static void check_unquote(const uint8_t *data, size_t size, fuzz_rng *rng)
{
	const char *in = (const char *)data;
	char *one = malloc(size + 8), *chunked = malloc(size + 8 + 8 * size);
	char tmp[4096 + 8];

	FUZZ_CHECK(one != NULL && chunked != NULL);
	for (int mode = 0; mode < 3; mode++) {
		da_unquote u;
		size_t n1 = 0, n2 = 0;

		da_unquote_init(&u, mode);
		n1 = da_unquote_run(&u, in, size, one);
		n1 += da_unquote_end(&u, one + n1);
		FUZZ_CHECK(n1 <= size);
		if (mode == DKIMARC_MBOX_NONE)
			FUZZ_CHECK(n1 == size && memcmp(one, in, size) == 0);

		da_unquote_init(&u, mode);
		for (size_t i = 0; i < size;) {
			size_t k = fuzz_chunk(rng, size - i);

			if (k > 4096)
				k = 4096;
			size_t got = da_unquote_run(&u, in + i, k, tmp);
			FUZZ_CHECK(got <= k + 8);
			memcpy(chunked + n2, tmp, got);
			n2 += got;
			i += k;
		}
		n2 += da_unquote_end(&u, chunked + n2);
		FUZZ_CHECK(n1 == n2 && memcmp(one, chunked, n1) == 0);
	}
	free(one);
	free(chunked);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_rng rng;

	fuzz_rng_seed(&rng, data, size);
	check_split(data, size);
	check_unquote(data, size, &rng);
	return 0;
}
