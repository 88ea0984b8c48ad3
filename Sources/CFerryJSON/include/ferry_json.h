// A small C interface over simdjson (C++), so Swift can call it without C++ interop: Ferry's one
// JSON parser. It turns documents into a flat list of events (keys, values, the opening and closing
// of nested objects and arrays) that Swift walks; it keeps every number's text as written.
#ifndef FERRY_JSON_H
#define FERRY_JSON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Bytes that must be readable after the end of a document handed to the parser (their content
/// does not matter).
#define FERRY_JSON_PADDING 64

/// What an event is. Keys and strings lie unescaped in the arena; numbers are the text of the input.
typedef enum {
    FERRY_JSON_KEY = 1,
    FERRY_JSON_STRING = 2,
    FERRY_JSON_NUMBER = 3,
    FERRY_JSON_TRUE = 4,
    FERRY_JSON_FALSE = 5,
    FERRY_JSON_NULL = 6,
    FERRY_JSON_OBJECT = 7,
    FERRY_JSON_END_OBJECT = 8,
    FERRY_JSON_ARRAY = 9,
    FERRY_JSON_END_ARRAY = 10,
    /// The end of a document: the next event begins the next one.
    FERRY_JSON_END_DOCUMENT = 11,
} ferry_json_event_kind;

/// Set in an event's kind when its text lies in the input rather than in the arena.
#define FERRY_JSON_IN_INPUT 0x100

/// One event. For keys and strings `start` and `length` place the text in the arena (unescaped),
/// or with FERRY_JSON_IN_INPUT in the input, from the first document's start (a string without
/// escapes); for numbers always in the input; otherwise both are 0.
typedef struct {
    uint32_t kind;
    uint32_t start;
    uint32_t length;
} ferry_json_event;

/// Errors of Ferry's own, besides simdjson's error codes (which are below 100).
enum {
    /// A value is nested deeper than the limit given.
    FERRY_JSON_TOO_DEEP = 100,
    /// A number does not follow JSON's grammar (a leading zero, a point without digits, ...).
    FERRY_JSON_BAD_NUMBER = 101,
    /// A document is not an object where objects were asked for.
    FERRY_JSON_NOT_OBJECT = 102,
    /// A document is larger than 4 GB.
    FERRY_JSON_TOO_LARGE = 103,
};

/// What a call made: the events and the arena stay valid until the next call on the same parser.
typedef struct ferry_json_result {
    const ferry_json_event *events;
    size_t event_count;
    const uint8_t *arena;
    size_t arena_size;
    /// Documents parsed in full.
    size_t documents;
    /// 0, or the error that stopped the call, in the document after the ones parsed.
    int error;
    /// Where the error lies, from the first document's start; -1 when simdjson did not say.
    int64_t error_offset;
} ferry_json_result;

typedef struct ferry_json_parser ferry_json_parser;

ferry_json_parser *ferry_json_parser_new(void);
void ferry_json_parser_free(ferry_json_parser *parser);

/// Parses `count` documents of `base`: document i is `base[spans[2i] ..< spans[2i+1]]`, and at least
/// FERRY_JSON_PADDING bytes must be readable after each. `objects_only`: each document must be an
/// object. `max_depth`: how deep values may nest inside a document. Stops at the first error.
void ferry_json_parse(
    ferry_json_parser *parser, const uint8_t *base, const uint32_t *spans, size_t count, int objects_only,
    int max_depth, ferry_json_result *result);

/// simdjson's description of one of its error codes.
const char *ferry_json_error_message(int error);

/// The simdjson implementation in use ("haswell", "westmere", "fallback", ...).
const char *ferry_json_implementation(void);

#ifdef __cplusplus
}
#endif

#endif
