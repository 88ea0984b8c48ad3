// ferry_json.h: the baseline build of the parser, and the choice, once, of the build this
// processor runs fastest (AVX2 when it has it).
#define FERRY_JSON_VARIANT(name) ferry_json_baseline_##name
#include "ferry_json_records.h"
#include "ferry_json_haswell.h"

struct ferry_json_parser {
    void *parser;
    bool haswell;
};

namespace {

bool has_avx2() {
#if defined(__x86_64__) && defined(FERRY_JSON_HASWELL)
    static const bool answer = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
                               __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("lzcnt");
    return answer;
#else
    return false;
#endif
}

}  // namespace

extern "C" ferry_json_parser *ferry_json_parser_new(void) {
    bool haswell = has_avx2();
    return new ferry_json_parser{haswell ? ferry_json_haswell_new() : ferry_json_baseline_new(), haswell};
}

extern "C" void ferry_json_parser_free(ferry_json_parser *parser) {
    if (!parser) return;
    if (parser->haswell) {
        ferry_json_haswell_free(parser->parser);
    } else {
        ferry_json_baseline_free(parser->parser);
    }
    delete parser;
}

extern "C" void ferry_json_parse(
    ferry_json_parser *parser, const uint8_t *base, const uint32_t *spans, size_t count, int objects_only,
    int max_depth, ferry_json_result *result) {
    if (parser->haswell) {
        ferry_json_haswell_parse(parser->parser, base, spans, count, objects_only, max_depth, result);
    } else {
        ferry_json_baseline_parse(parser->parser, base, spans, count, objects_only, max_depth, result);
    }
}

extern "C" const char *ferry_json_error_message(int error) {
    switch (error) {
    case FERRY_JSON_TOO_DEEP: return "values are nested too deep";
    case FERRY_JSON_BAD_NUMBER: return "a number does not follow JSON's grammar";
    case FERRY_JSON_NOT_OBJECT: return "the document is not an object";
    case FERRY_JSON_TOO_LARGE: return "the document is larger than 4 GB";
    default: return simdjson::error_message(static_cast<simdjson::error_code>(error));
    }
}

extern "C" const char *ferry_json_implementation(void) {
    return has_avx2() ? ferry_json_haswell_implementation() : ferry_json_baseline_implementation();
}
