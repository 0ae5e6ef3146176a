/*
 * qr.h: a QR code as an SVG image, drawn here (no external service): the
 * otpauth:// URI of a TOTP secret for authenticator apps to scan. qr.c is
 * the one file that includes libqrencode.
 */
#ifndef MEMBERD_QR_H
#define MEMBERD_QR_H

#include "util.h"

/*
 * The QR code of text (error correction M, a 4-module quiet zone) as a
 * standalone SVG document: one black path on a white square, with a
 * <title> for screen readers. Appends to out. 0, or -1 when text does
 * not fit a QR code.
 */
int	qr_svg(const char *text, const char *title, struct buf *out) MUST_CHECK;

#endif
