/* qr.c: QR codes as SVG through libqrencode; see qr.h. */
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "qr.h"
#include "banned.h"

#define QUIET	4	/* modules of white around, as the standard asks */

/* Text for an SVG element: &, < and > escaped (no quotes in titles). */
static void
svg_text(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '&')
			buf_puts(out, "&amp;");
		else if (*s == '<')
			buf_puts(out, "&lt;");
		else if (*s == '>')
			buf_puts(out, "&gt;");
		else
			buf_putc(out, *s);
	}
}

int
qr_svg(const char *text, const char *title, struct buf *out)
{
	QRcode	*qr;
	int	 x, y, run, size;

	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL)
		return -1;
	size = qr->width + 2 * QUIET;
	buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	    "shape-rendering=\"crispEdges\" role=\"img\"><title>", size, size,
	    size * 4, size * 4);
	svg_text(out, title);
	buf_printf(out, "</title><rect width=\"%d\" height=\"%d\" "
	    "fill=\"#fff\"/><path fill=\"#000\" d=\"", size, size);
	/* each horizontal run of dark modules is one rectangle */
	for (y = 0; y < qr->width; y++) {
		for (x = 0; x < qr->width; x++) {
			if (!(qr->data[y * qr->width + x] & 1))
				continue;
			for (run = 1; x + run < qr->width &&
			    (qr->data[y * qr->width + x + run] & 1); run++)
				;
			buf_printf(out, "M%d %dh%dv1h-%dz", x + QUIET,
			    y + QUIET, run, run);
			x += run - 1;
		}
	}
	buf_puts(out, "\"/></svg>");
	QRcode_free(qr);
	return 0;
}
