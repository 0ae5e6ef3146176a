/*
 * libFuzzer harness: the validators of untrusted text (emails, names,
 * passwords, permission lists) and the email encoders fed with them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "message.h"
#include "perms.h"
#include "util.h"
#include "validate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*s = xmalloc(size + 1), email[EMAIL_MAX + 1];
	char		 name[4 * NAME_MAX_CHARS + 1];
	struct buf	 b = { 0 };
	const char	*why;
	perms_t		 p;
	cJSON		*j;

	memcpy(s, data, size);
	s[size] = '\0';
	(void)utf8_valid(s, size);
	if (email_check(s, email, sizeof(email)) == NULL &&
	    (!mail_address_ok(email) || has_control(email)))
		abort();	/* an accepted email must be safe in a header */
	if (name_check(s, name, sizeof(name), 1, NAME_MAX_CHARS) == NULL &&
	    (!header_value_ok(name) || utf8_chars(name) > NAME_MAX_CHARS))
		abort();
	(void)password_check(s);
	header_encode(s, &b);
	qp_encode(s, size, &b);
	buf_release(&b);
	(void)perms_from_pg(s);
	if ((j = cJSON_ParseWithLength(s, size)) != NULL) {
		(void)perms_from_json(j, &p, &why);
		cJSON_Delete(j);
	}
	free(s);
	return 0;
}
