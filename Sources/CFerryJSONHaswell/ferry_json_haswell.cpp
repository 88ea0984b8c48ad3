// The parser of ferry_json.h built for AVX2 processors (simdjson's "haswell" kernel).
#include "ferry_json_haswell.h"

#if defined(__x86_64__)
#define FERRY_JSON_VARIANT(name) ferry_json_haswell_##name
#include "../CFerryJSON/ferry_json_records.h"
#endif
