// The parser behind ferry_json.h, compiled once per instruction set (simdjson's On-Demand API is
// built for the instruction set the compiler targets): `FERRY_JSON_VARIANT(name)` names this
// build's functions. Included by ferry_json.cpp (the baseline) and CFerryJSONHaswell (AVX2).
#include <simdjson.h>

#include <cstring>
#include <string_view>
#include <vector>

#include "include/ferry_json.h"

namespace {

namespace od = simdjson::ondemand;

struct Parser {
    od::parser parser;
    std::vector<ferry_json_event> events;
    std::vector<uint8_t> arena;
    const uint8_t *base = nullptr;
    const uint8_t *error_at = nullptr;
    /// The end of the document being parsed.
    const char *limit = nullptr;
    int max_depth = 512;

    void emit(uint32_t kind, uint32_t start = 0, uint32_t length = 0) { events.push_back({kind, start, length}); }

    /// Text that lies in the input as it is (no escapes): the event points there.
    void in_input(uint32_t kind, const char *start, size_t length) {
        emit(kind | FERRY_JSON_IN_INPUT, static_cast<uint32_t>(reinterpret_cast<const uint8_t *>(start) - base),
             static_cast<uint32_t>(length));
    }

    void text(uint32_t kind, std::string_view value) {
        auto start = static_cast<uint32_t>(arena.size());
        arena.insert(arena.end(), value.begin(), value.end());
        emit(kind, start, static_cast<uint32_t>(value.size()));
    }

    // JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    static bool is_number(std::string_view token) {
        size_t i = 0, n = token.size();
        auto digits = [&] {
            size_t from = i;
            while (i < n && token[i] >= '0' && token[i] <= '9') i++;
            return i - from;
        };
        if (i < n && token[i] == '-') i++;
        bool zero = i < n && token[i] == '0';
        size_t integer = digits();
        if (integer == 0 || (zero && integer > 1)) return false;
        if (i < n && token[i] == '.') {
            i++;
            if (digits() == 0) return false;
        }
        if (i < n && (token[i] == 'e' || token[i] == 'E')) {
            i++;
            if (i < n && (token[i] == '+' || token[i] == '-')) i++;
            if (digits() == 0) return false;
        }
        return i == n;
    }

    static std::string_view trimmed(std::string_view token) {
        while (!token.empty()) {
            char last = token.back();
            if (last != ' ' && last != '\t' && last != '\n' && last != '\r') break;
            token.remove_suffix(1);
        }
        return token;
    }

    int fail(int error, const uint8_t *at) {
        error_at = at;
        return error;
    }

    int fields(od::object object, int depth) {
        for (auto result : object) {
            od::field field;
            if (auto error = std::move(result).get(field)) return error;
            // The key as written runs to the first quote; when it holds no backslash, that is the key.
            const char *raw = field.key().raw();
            auto quote = static_cast<const char *>(std::memchr(raw, '"', limit - raw));
            if (quote && !std::memchr(raw, '\\', quote - raw)) {
                in_input(FERRY_JSON_KEY, raw, quote - raw);
            } else {
                std::string_view key;
                if (auto error = field.unescaped_key().get(key)) return error;
                text(FERRY_JSON_KEY, key);
            }
            if (int error = value(field.value(), depth)) return error;
        }
        return 0;
    }

    int value(od::value value, int depth) {
        auto at = reinterpret_cast<const uint8_t *>(value.raw_json_token().data());
        od::json_type type;
        if (auto error = value.type().get(type)) return fail(error, at);
        switch (type) {
        case od::json_type::object: {
            if (depth > max_depth) return fail(FERRY_JSON_TOO_DEEP, at);
            od::object object;
            if (auto error = value.get_object().get(object)) return fail(error, at);
            emit(FERRY_JSON_OBJECT);
            if (int error = fields(object, depth + 1)) return error;
            emit(FERRY_JSON_END_OBJECT);
            return 0;
        }
        case od::json_type::array: {
            if (depth > max_depth) return fail(FERRY_JSON_TOO_DEEP, at);
            od::array array;
            if (auto error = value.get_array().get(array)) return fail(error, at);
            emit(FERRY_JSON_ARRAY);
            for (auto result : array) {
                od::value element;
                if (auto error = std::move(result).get(element)) return error;
                if (int error = this->value(element, depth + 1)) return error;
            }
            emit(FERRY_JSON_END_ARRAY);
            return 0;
        }
        case od::json_type::string: {
            std::string_view token = trimmed(value.raw_json_token());
            if (token.size() >= 2 && token.back() == '"' && !std::memchr(token.data() + 1, '\\', token.size() - 2)) {
                in_input(FERRY_JSON_STRING, token.data() + 1, token.size() - 2);
                return 0;
            }
            std::string_view string;
            if (auto error = value.get_string().get(string)) return fail(error, at);
            text(FERRY_JSON_STRING, string);
            return 0;
        }
        case od::json_type::number: {
            std::string_view token = trimmed(value.raw_json_token());
            if (!is_number(token)) return fail(FERRY_JSON_BAD_NUMBER, at);
            emit(FERRY_JSON_NUMBER, static_cast<uint32_t>(at - base), static_cast<uint32_t>(token.size()));
            return 0;
        }
        case od::json_type::boolean: {
            bool flag;
            if (auto error = value.get_bool().get(flag)) return fail(error, at);
            emit(flag ? FERRY_JSON_TRUE : FERRY_JSON_FALSE);
            return 0;
        }
        case od::json_type::null: {
            bool null;
            if (auto error = value.is_null().get(null)) return fail(error, at);
            if (!null) return fail(simdjson::N_ATOM_ERROR, at);
            emit(FERRY_JSON_NULL);
            return 0;
        }
        }
        return fail(simdjson::TAPE_ERROR, at);
    }

    int document(const uint8_t *start, size_t length, bool objects_only) {
        limit = reinterpret_cast<const char *>(start + length);
        od::document document;
        if (auto error = parser.iterate(start, length, length + FERRY_JSON_PADDING).get(document)) return error;
        int error = 0;
        od::json_type type{};
        if (auto failed = document.type().get(type)) {
            error = failed;
        } else if (type == od::json_type::object) {
            od::object object;
            if (auto failed = document.get_object().get(object)) {
                error = failed;
            } else {
                emit(FERRY_JSON_OBJECT);
                error = fields(object, 1);
                if (!error) emit(FERRY_JSON_END_OBJECT);
            }
        } else if (objects_only) {
            return fail(FERRY_JSON_NOT_OBJECT, start);
        } else {
            od::value value;
            if (type == od::json_type::array) {
                od::array array;
                if (auto failed = document.get_array().get(array)) {
                    error = failed;
                } else {
                    emit(FERRY_JSON_ARRAY);
                    for (auto result : array) {
                        od::value element;
                        if (auto failed = std::move(result).get(element)) {
                            error = failed;
                            break;
                        }
                        if ((error = this->value(element, 1))) break;
                    }
                    if (!error) emit(FERRY_JSON_END_ARRAY);
                }
            } else {
                // A scalar document (a string, number, boolean or null on its own).
                std::string_view token = trimmed(std::string_view(reinterpret_cast<const char *>(start), length));
                while (!token.empty() && (token.front() == ' ' || token.front() == '\t' || token.front() == '\n' ||
                                          token.front() == '\r'))
                    token.remove_prefix(1);
                auto at = reinterpret_cast<const uint8_t *>(token.data());
                switch (type) {
                case od::json_type::string: {
                    std::string_view string;
                    if (auto failed = document.get_string().get(string)) return fail(failed, at);
                    text(FERRY_JSON_STRING, string);
                    break;
                }
                case od::json_type::number:
                    if (!is_number(token)) return fail(FERRY_JSON_BAD_NUMBER, at);
                    emit(FERRY_JSON_NUMBER, static_cast<uint32_t>(at - base), static_cast<uint32_t>(token.size()));
                    break;
                case od::json_type::boolean: {
                    bool flag;
                    if (auto failed = document.get_bool().get(flag)) return fail(failed, at);
                    emit(flag ? FERRY_JSON_TRUE : FERRY_JSON_FALSE);
                    break;
                }
                default: {
                    bool null;
                    if (auto failed = document.is_null().get(null)) return fail(failed, at);
                    if (!null) return fail(simdjson::N_ATOM_ERROR, at);
                    emit(FERRY_JSON_NULL);
                }
                }
            }
        }
        const char *where;
        bool container = type == od::json_type::object || type == od::json_type::array;
        if (!error && container && !document.current_location().get(where)) {
            // Something follows the value (at the end, the location is out of bounds).
            return fail(simdjson::TRAILING_CONTENT, reinterpret_cast<const uint8_t *>(where));
        }
        if (error && error_at == nullptr) {
            if (!document.current_location().get(where)) error_at = reinterpret_cast<const uint8_t *>(where);
        }
        return error;
    }
};

}  // namespace

extern "C" void *FERRY_JSON_VARIANT(new)(void) { return new Parser(); }

extern "C" void FERRY_JSON_VARIANT(free)(void *parser) { delete static_cast<Parser *>(parser); }

extern "C" void FERRY_JSON_VARIANT(parse)(
    void *opaque, const uint8_t *base, const uint32_t *spans, size_t count, int objects_only, int max_depth,
    ferry_json_result *result) {
    auto &parser = *static_cast<Parser *>(opaque);
    parser.events.clear();
    parser.arena.clear();
    parser.base = base;
    parser.max_depth = max_depth;
    *result = ferry_json_result{};
    result->error_offset = -1;
    size_t done = 0;
    for (; done < count; done++) {
        const uint8_t *start = base + spans[2 * done];
        size_t length = spans[2 * done + 1] - spans[2 * done];
        size_t events = parser.events.size(), arena = parser.arena.size();
        parser.error_at = nullptr;
        int error = parser.document(start, length, objects_only != 0);
        if (error) {
            parser.events.resize(events);
            parser.arena.resize(arena);
            result->error = error;
            if (parser.error_at) result->error_offset = parser.error_at - base;
            break;
        }
        parser.emit(FERRY_JSON_END_DOCUMENT);
    }
    result->documents = done;
    result->events = parser.events.data();
    result->event_count = parser.events.size();
    result->arena = parser.arena.data();
    result->arena_size = parser.arena.size();
}

extern "C" const char *FERRY_JSON_VARIANT(implementation)(void) {
    return SIMDJSON_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION);
}
