// Person keys the import makes: the key of every person a row creates (spec section 3).
//
// Thread-safe.
#pragma once

#include <string>

namespace person_import {

// A fresh random person key: a lowercase RFC 4122 version 4 UUID. Its randomness comes from the
// kernel (getrandom), in blocks; a forked child never repeats its parent's keys.
std::string random_person_key();

}  // namespace person_import
