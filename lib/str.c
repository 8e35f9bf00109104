/* String helpers the whole library uses: copies, and freeing what it shows as const. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

char *da_strndup(const char *s, size_t n)
{
	char *p;

	if (s == NULL || n == SIZE_MAX)
		return NULL;
	p = malloc(n + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *da_strdup(const char *s)
{
	return s ? da_strndup(s, strlen(s)) : NULL;
}

void da_free_const(const void *p)
{
	free((void *)(uintptr_t)p);
}
