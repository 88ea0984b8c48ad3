// The only C++ in Ferry: libphonenumber behind the C interface of ferry_phone.h.
#include "ferry_phone.h"

#include <cstring>
#include <string>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace {

// Copies `value` into a C buffer; returns its length, or -1 when it does not fit.
int copy_out(const std::string &value, char *out, size_t capacity) {
    if (value.size() + 1 > capacity) return -1;
    std::memcpy(out, value.data(), value.size());
    out[value.size()] = '\0';
    return static_cast<int>(value.size());
}

}  // namespace

extern "C" int ferry_phone_parse(const char *text, size_t length, const char *region, char *e164, size_t capacity) {
    // GetInstance is a thread-safe singleton; parsing and validation do not mutate it.
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    PhoneNumber number;
    std::string input(text, length);
    if (util->Parse(input, region, &number) != PhoneNumberUtil::NO_PARSING_ERROR) return FERRY_PHONE_UNPARSEABLE;
    if (!util->IsValidNumber(number)) return FERRY_PHONE_INVALID;
    std::string formatted;
    util->Format(number, PhoneNumberUtil::E164, &formatted);
    if (copy_out(formatted, e164, capacity) < 0) return FERRY_PHONE_UNPARSEABLE;
    switch (util->GetNumberType(number)) {
    case PhoneNumberUtil::MOBILE: return FERRY_PHONE_MOBILE;
    case PhoneNumberUtil::FIXED_LINE: return FERRY_PHONE_FIXED_LINE;
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE: return FERRY_PHONE_FIXED_OR_MOBILE;
    default: return FERRY_PHONE_OTHER;
    }
}

extern "C" int ferry_phone_format(const char *e164, size_t length, int style, char *out, size_t capacity) {
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    PhoneNumber number;
    if (util->Parse(std::string(e164, length), "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) return -1;
    PhoneNumberUtil::PhoneNumberFormat format = PhoneNumberUtil::E164;
    if (style == 1) format = PhoneNumberUtil::INTERNATIONAL;
    if (style == 2) format = PhoneNumberUtil::NATIONAL;
    std::string formatted;
    util->Format(number, format, &formatted);
    return copy_out(formatted, out, capacity);
}

extern "C" int ferry_phone_region(const char *e164, size_t length, char *region, size_t capacity) {
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    PhoneNumber number;
    if (util->Parse(std::string(e164, length), "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) return -1;
    std::string code;
    util->GetRegionCodeForNumber(number, &code);
    if (code.empty() || code == "ZZ") return -1;
    return copy_out(code, region, capacity) < 0 ? -1 : 0;
}
