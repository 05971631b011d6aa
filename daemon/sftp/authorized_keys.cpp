#include "daemon/sftp/authorized_keys.h"

#include <mutex>

#include "core/storage/store.h"

namespace person_import::sftp {
namespace {

class StoreAuthorizedKeys final : public AuthorizedKeySource {
 public:
  explicit StoreAuthorizedKeys(std::string database) : database_(std::move(database)) {}

  Result<std::vector<std::string>> authorized_keys(const std::string& company) override {
    std::lock_guard lock(mutex_);
    auto keys = look_up(company);
    // A failed connection is not kept: the next login opens a fresh one (a database that was
    // briefly unavailable must not lock every client out until a restart).
    if (!keys.ok()) store_.reset();
    return keys;
  }

 private:
  Result<std::vector<std::string>> look_up(const std::string& company) {
    if (!store_) {
      PI_ASSIGN_OR_RETURN(store_, open_store(database_));
    }
    PI_ASSIGN_OR_RETURN(auto found, store_->find_company(company));
    if (!found) return std::vector<std::string>{};
    return store_->list_authorized_keys(found->id);
  }

  const std::string database_;
  std::mutex mutex_;
  std::unique_ptr<Store> store_;
};

}  // namespace

std::unique_ptr<AuthorizedKeySource> make_store_authorized_keys(std::string database) {
  return std::make_unique<StoreAuthorizedKeys>(std::move(database));
}

}  // namespace person_import::sftp
