/*
 * What a GMime-based mail reader displays of a message: the test oracle of
 * tests/reader/ (gmime_view.c prints it as JSON) and of fuzz/fuzz_display.c.
 * GMime is a test tool here, never a dependency of the verifying core.
 *
 * The message is parsed as a GMime client does: g_mime_parser on a stream,
 * GMIME_FORMAT_MESSAGE, default parser options. The view holds what the
 * client shows from the parsed GMimeMessage: the From, To and Cc address
 * lists (groups flattened to their mailboxes), the decoded Subject, the Date
 * as UTC seconds, the top-level content type, and the body: the decoded text
 * (CTE and charset) of the top-level part when it is text, else of the first
 * text leaf of a multipart, depth first.
 *
 * Header-only (static functions), so that each user is still one file.
 */
#ifndef DKIMARC_GMIME_VIEW_H
#define DKIMARC_GMIME_VIEW_H

#include <gmime/gmime.h>
#include <stdint.h>
#include <string.h>

typedef struct {
	int ok;                /* a message was constructed */
	GPtrArray *from;       /* addr-specs (char *), in order */
	GPtrArray *from_names; /* display names ("" for none), parallel to from */
	GPtrArray *to, *cc;
	char *subject;      /* NULL when the message has none */
	int has_date;       /* the Date parsed */
	int64_t date;       /* UTC seconds */
	char *ctype;        /* top-level type/subtype, lower case */
	char *body_type;    /* type of the part shown, NULL when none */
	char *body;         /* its decoded text, NULL when no text part */
	GPtrArray *headers; /* "Name: raw value" of the top-level header, for diagnosis */
} gv_view;

/* Valid UTF-8 (GMime may hand back raw 8-bit bytes); NULL stays NULL. */
static char *gv_utf8(const char *s)
{
	return s ? g_utf8_make_valid(s, -1) : NULL;
}

static void gv_addrs(InternetAddressList *list, GPtrArray *addrs, GPtrArray *names)
{
	int n = list ? internet_address_list_length(list) : 0;

	for (int i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			gv_addrs(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
			         addrs, names);
		} else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			const char *a =
			    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
			const char *nm = internet_address_get_name(ia);

			g_ptr_array_add(addrs, gv_utf8(a ? a : ""));
			if (names)
				g_ptr_array_add(names, gv_utf8(nm ? nm : ""));
		}
	}
}

static char *gv_type(GMimeObject *o)
{
	GMimeContentType *ct = o ? g_mime_object_get_content_type(o) : NULL;
	char *t = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	char *low = t ? g_ascii_strdown(t, -1) : NULL;

	g_free(t);
	return low;
}

/* The first text leaf, depth first; NULL when there is none. */
static GMimeObject *gv_text_part(GMimeObject *o, int depth)
{
	if (o == NULL || depth > 32)
		return NULL;
	if (GMIME_IS_MULTIPART(o)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(o));

		for (int i = 0; i < n; i++) {
			GMimeObject *t = gv_text_part(
			    g_mime_multipart_get_part(GMIME_MULTIPART(o), i), depth + 1);
			if (t)
				return t;
		}
		return NULL;
	}
	return GMIME_IS_TEXT_PART(o) ? o : NULL;
}

static void gv_init(gv_view *v)
{
	memset(v, 0, sizeof *v);
	v->from = g_ptr_array_new_with_free_func(g_free);
	v->from_names = g_ptr_array_new_with_free_func(g_free);
	v->to = g_ptr_array_new_with_free_func(g_free);
	v->cc = g_ptr_array_new_with_free_func(g_free);
	v->headers = g_ptr_array_new_with_free_func(g_free);
}

static void gv_free(gv_view *v)
{
	g_ptr_array_unref(v->from);
	g_ptr_array_unref(v->from_names);
	g_ptr_array_unref(v->to);
	g_ptr_array_unref(v->cc);
	g_ptr_array_unref(v->headers);
	g_free(v->subject);
	g_free(v->ctype);
	g_free(v->body_type);
	g_free(v->body);
	memset(v, 0, sizeof *v);
}

/* Parses len bytes at data into v (gv_free() it). g_mime_init() first. */
static void gv_parse(const char *data, size_t len, gv_view *v)
{
	gv_init(v);
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);

	g_object_unref(p);
	g_object_unref(st);
	if (m == NULL)
		return;
	v->ok = 1;
	gv_addrs(g_mime_message_get_from(m), v->from, v->from_names);
	gv_addrs(g_mime_message_get_to(m), v->to, NULL);
	gv_addrs(g_mime_message_get_cc(m), v->cc, NULL);
	v->subject = gv_utf8(g_mime_message_get_subject(m));
	GDateTime *d = g_mime_message_get_date(m);
	if (d) {
		v->has_date = 1;
		v->date = g_date_time_to_unix(d);
	}
	GMimeObject *top = g_mime_message_get_mime_part(m);
	v->ctype = gv_type(top);
	GMimeObject *tp = gv_text_part(top, 0);
	if (tp) {
		char *text = g_mime_text_part_get_text(GMIME_TEXT_PART(tp));

		v->body_type = gv_type(tp);
		v->body = gv_utf8(text ? text : "");
		g_free(text);
	}
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(m));
	int nh = hl ? g_mime_header_list_get_count(hl) : 0;
	for (int i = 0; i < nh; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h), *raw = g_mime_header_get_raw_value(h);
		char *line = g_strdup_printf("%s:%s", name ? name : "", raw ? raw : "");

		g_ptr_array_add(v->headers, gv_utf8(line));
		g_free(line);
	}
	g_object_unref(m);
}

#endif
