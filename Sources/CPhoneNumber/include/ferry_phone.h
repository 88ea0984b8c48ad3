// A small C interface over Google's libphonenumber (C++), so Swift can call it without C++ interop.
#ifndef FERRY_PHONE_H
#define FERRY_PHONE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What kind of line a valid number is, as libphonenumber classifies it.
typedef enum {
    FERRY_PHONE_INVALID = 0,
    FERRY_PHONE_MOBILE = 1,
    FERRY_PHONE_FIXED_LINE = 2,
    FERRY_PHONE_FIXED_OR_MOBILE = 3,
    FERRY_PHONE_OTHER = 4,
    FERRY_PHONE_UNPARSEABLE = -1,
} ferry_phone_kind;

/// Parses `text` (`length` UTF-8 bytes) as a phone number, taking `region` (ISO 3166-1 alpha-2, for
/// example "ES") for numbers written without a country code. On a valid number writes its E.164 form,
/// NUL-terminated, into `e164` (at least 20 bytes) and returns its kind; otherwise returns
/// FERRY_PHONE_INVALID (parsed, but not a number that can exist) or FERRY_PHONE_UNPARSEABLE.
int ferry_phone_parse(const char *text, size_t length, const char *region, char *e164, size_t capacity);

/// Formats an E.164 number for writing: style 0 E.164, 1 international ("+34 612 34 56 78"),
/// 2 national ("612 34 56 78"). Returns the length written into `out` (NUL-terminated), or -1.
int ferry_phone_format(const char *e164, size_t length, int style, char *out, size_t capacity);

/// The ISO region of a valid E.164 number ("ES", "GB"), written NUL-terminated into `region`
/// (at least 3 bytes). Returns 0, or -1 when the number is not valid.
int ferry_phone_region(const char *e164, size_t length, char *region, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif
