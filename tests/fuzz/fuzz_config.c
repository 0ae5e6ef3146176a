/* libFuzzer harness: the configuration parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 c;
	char		 err[256], *text = xmalloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';
	config_defaults(&c);
	(void)config_parse(&c, "fuzz", text, err, sizeof(err));
	config_release(&c);
	free(text);
	return 0;
}
