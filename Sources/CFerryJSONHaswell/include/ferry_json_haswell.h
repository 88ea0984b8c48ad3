// The AVX2 build of the JSON parser (ferry_json.h), which ferry_json.cpp calls on processors that
// have AVX2, BMI, PCLMUL and LZCNT. Declared here for that file only.
#ifndef FERRY_JSON_HASWELL_H
#define FERRY_JSON_HASWELL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ferry_json_result;

void *ferry_json_haswell_new(void);
void ferry_json_haswell_free(void *parser);
void ferry_json_haswell_parse(
    void *parser, const uint8_t *base, const uint32_t *spans, size_t count, int objects_only, int max_depth,
    struct ferry_json_result *result);
const char *ferry_json_haswell_implementation(void);

#ifdef __cplusplus
}
#endif

#endif
