// Where the SFTP server finds a company's authorized keys at each authentication, so that
// `companies add --authorized-key` and `companies remove-key` apply without a restart.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace person_import::sftp {

// The lookup the server's sessions call, from several threads at once: implementations must be
// thread-safe. Unit tests give a fixed list; the daemon reads the Store.
class AuthorizedKeySource {
 public:
  virtual ~AuthorizedKeySource() = default;
  // The authorized_keys lines of `company`; none when the company does not exist. An Error
  // (the database cannot be read) refuses the login.
  virtual Result<std::vector<std::string>> authorized_keys(const std::string& company) = 0;
};

// Reads the Store at `database` (core/storage/store.h). A Store is not thread-safe, so this
// holds one connection of its own, opened on first use, used under a mutex (lookups are short
// and rare next to imports), and reopened after an error.
std::unique_ptr<AuthorizedKeySource> make_store_authorized_keys(std::string database);

}  // namespace person_import::sftp
