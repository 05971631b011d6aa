#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include <phonenumbers/phonenumberutil.h>

#include "core/phones/mdn.h"

using person_import::normalize_mdn;

namespace {

std::string e164(std::string_view text) { return normalize_mdn(text).value_or("invalid"); }

}  // namespace

TEST_CASE("mdn: North American numbers in their usual spellings", "[mdn]") {
  for (const char* text :
       {"+13125550123", "+1 (312) 555-0123", "312.555.0123", "3125550123", "13125550123",
        "1 312 555 0123", "(312) 555-0123", "1-312-555-0123", "+1-312-555-0123", "+1.312.555.0123",
        " 3125550123 ", "3 1 2 5 5 5 0 1 2 3", "((312))--555..0123"}) {
    INFO('"' << text << '"');
    CHECK(e164(text) == "+13125550123");
  }
  CHECK(e164("4165550123") == "+14165550123");   // Canada
  CHECK(e164("18765550123") == "+18765550123");  // Jamaica shares +1
}

TEST_CASE("mdn: international numbers need a plus and must be valid", "[mdn]") {
  CHECK(e164("+447911123456") == "+447911123456");
  CHECK(e164("+44 7911 123456") == "+447911123456");
  CHECK(e164("+33 6 12 34 56 78") == "+33612345678");
  CHECK(e164("+390612345678") == "+390612345678");  // Italian leading zero is kept
  CHECK(e164("+4915123456789") == "+4915123456789");
  CHECK(e164("447911123456") == "invalid");   // no plus: only NANP may omit it
  CHECK(e164("+44791112345") == "invalid");   // too short for GB mobile
  CHECK(e164("+999123456789") == "invalid");  // unassigned country code
}

TEST_CASE("mdn: a trunk prefix after the country code is not E.164", "[mdn]") {
  // libphonenumber would quietly drop the 0; the mdn must already be in E.164.
  CHECK(e164("+4407911123456") == "invalid");
  CHECK(e164("+44 (0)7911 123456") == "invalid");
}

TEST_CASE("mdn: invalid forms", "[mdn]") {
  for (const char* text : {"",
                           " ",
                           "+",
                           "()",
                           "-",
                           "12345",
                           "+1312555012a",
                           "++13125550123",
                           "3125550123x",
                           "+0123456789",
                           "+01312555012",
                           "0123456789",
                           "1234567890",
                           "3121550123",
                           "3120550123",
                           "23125550123",
                           "03125550123",
                           "131255501234",
                           "312555012",
                           "1312555012",
                           "+1 312 555 0123 ext 4",
                           "+1 312 555 0123#",
                           "312/555/0123",
                           "312_555_0123",
                           "312\t555\t0123",
                           "+13125550123+",
                           "1+3125550123",
                           "＋13125550123",
                           "３１２5550123",
                           "+1 999 555 0123",
                           "+1234567890123456",
                           "+1312555012300000000",
                           "tel:+13125550123"}) {
    INFO('"' << text << '"');
    CHECK(e164(text) == "invalid");
  }
  CHECK(e164(std::string(1 << 20, '1')) == "invalid");
  CHECK(e164("3125550123" + std::string(1 << 20, ' ')) == "+13125550123");
}

TEST_CASE("mdn: ten-digit numbers agree with libphonenumber's own parsing", "[mdn]") {
  // The +1 path builds the number without Parse and pre-filters impossible area codes; this
  // checks the shortcut never disagrees with the library on random input.
  const auto& util = *i18n::phonenumbers::PhoneNumberUtil::GetInstance();
  std::mt19937_64 random(12345);
  std::uniform_int_distribution<std::uint64_t> ten_digits(0, 9'999'999'999ULL);
  for (int i = 0; i < 5000; ++i) {
    std::string digits = std::to_string(ten_digits(random));
    digits.insert(0, 10 - digits.size(), '0');
    i18n::phonenumbers::PhoneNumber number;
    const bool parsed = util.Parse("+1" + digits, "ZZ", &number) ==
                        i18n::phonenumbers::PhoneNumberUtil::NO_PARSING_ERROR;
    std::string formatted;
    if (parsed) util.Format(number, i18n::phonenumbers::PhoneNumberUtil::E164, &formatted);
    const bool library_valid = parsed && util.IsValidNumber(number) && formatted == "+1" + digits;
    INFO(digits);
    CHECK(normalize_mdn(digits).has_value() == library_valid);
    CHECK(normalize_mdn("1" + digits).has_value() == library_valid);
    CHECK(normalize_mdn("+1" + digits).has_value() == library_valid);
  }
}

TEST_CASE("mdn: safe to call from several threads", "[mdn]") {
  std::vector<std::thread> threads;
  std::vector<int> valid(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &valid] {
      for (int i = 0; i < 500; ++i) {
        if (normalize_mdn(t % 2 ? "+447911123456" : "312.555.0123")) ++valid[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(valid == std::vector<int>(4, 500));
}
