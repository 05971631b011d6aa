#include "core/resolving/batch_resolver.h"
#include "core/resolving/person_key.h"

#include <string>
#include <unordered_map>
#include <unordered_set>

namespace person_import {
namespace {

enum class Selector { kPersonId, kPersonKey, kExternalPersonId, kMdn, kDeviceId };

struct WorkingPerson {
  PersonRecord record;
  bool is_new = false;
  bool changed = false;
};

// The persons this batch can see, with the unique indexes the rows check against. Node-based
// maps keep references stable while persons are added.
class WorkingSet {
 public:
  explicit WorkingSet(PersonSnapshot snapshot) {
    for (auto& person : snapshot.persons) add(std::move(person), false);
    for (auto& device : snapshot.devices) device_owner_[device.device_id] = device.person_id;
  }

  WorkingPerson& add(PersonRecord record, bool is_new) {
    const PersonId id = record.person_id;
    auto& person = persons_[id];
    person.record = std::move(record);
    person.is_new = is_new;
    by_key_[person.record.person_key] = id;
    if (person.record.external_person_id) by_external_[*person.record.external_person_id] = id;
    if (person.record.mdn) by_mdn_[*person.record.mdn] = id;
    if (is_new) created_order_.push_back(id);
    return person;
  }

  WorkingPerson* find(PersonId id) {
    auto found = persons_.find(id);
    return found == persons_.end() ? nullptr : &found->second;
  }
  static std::optional<PersonId> lookup(const std::unordered_map<std::string, PersonId>& index,
                                        const std::string& value) {
    auto found = index.find(value);
    if (found == index.end()) return std::nullopt;
    return found->second;
  }
  std::optional<PersonId> by_key(const std::string& key) const { return lookup(by_key_, key); }
  std::optional<PersonId> by_external(const std::string& id) const {
    return lookup(by_external_, id);
  }
  std::optional<PersonId> by_mdn(const std::string& mdn) const { return lookup(by_mdn_, mdn); }
  std::optional<PersonId> device_owner(const std::string& device) const {
    return lookup(device_owner_, device);
  }

  void set_external(WorkingPerson& person, std::optional<std::string> value) {
    if (person.record.external_person_id) by_external_.erase(*person.record.external_person_id);
    person.record.external_person_id = std::move(value);
    if (person.record.external_person_id) {
      by_external_[*person.record.external_person_id] = person.record.person_id;
    }
  }
  void set_mdn(WorkingPerson& person, std::string mdn, std::optional<std::string> carrier) {
    by_mdn_[mdn] = person.record.person_id;
    person.record.mdn = std::move(mdn);
    person.record.carrier_code = std::move(carrier);
  }
  void attach_device(const std::string& device, PersonId owner) {
    device_owner_[device] = owner;
    if (changed_devices_.insert(device).second) changed_device_order_.push_back(device);
  }

  // The batch's writes: created persons in creation order, then changed existing persons.
  void collect(BatchChanges& changes) {
    for (PersonId id : created_order_) changes.created.push_back(std::move(persons_[id].record));
    for (auto& [id, person] : persons_) {
      if (!person.is_new && person.changed) changes.updated.push_back(std::move(person.record));
    }
    for (const auto& device : changed_device_order_) {
      changes.devices.push_back({device, device_owner_[device]});
    }
  }

 private:
  std::unordered_map<PersonId, WorkingPerson> persons_;
  std::unordered_map<std::string, PersonId> by_key_, by_external_, by_mdn_, device_owner_;
  std::vector<PersonId> created_order_;
  std::unordered_set<std::string> changed_devices_;
  std::vector<std::string> changed_device_order_;
};

PersonLookupKeys lookup_keys(const std::vector<RowInput>& rows) {
  PersonLookupKeys keys;
  std::unordered_set<PersonId> ids;
  std::unordered_set<std::string> person_keys, externals, mdns, devices;
  auto add = [](auto& seen, auto& list, const auto& value) {
    if (seen.insert(value).second) list.push_back(value);
  };
  for (const auto& row : rows) {
    if (row.person_id) add(ids, keys.person_ids, *row.person_id);
    if (row.person_key) add(person_keys, keys.person_keys, *row.person_key);
    if (row.external_person_id.is_set()) {
      add(externals, keys.external_person_ids, row.external_person_id.value);
    }
    if (row.mdn.is_set()) add(mdns, keys.mdns, row.mdn.value);
    if (row.device_id) add(devices, keys.device_ids, *row.device_id);
  }
  return keys;
}

}  // namespace

Result<BatchOutcome> BatchResolver::resolve(const std::vector<RowInput>& rows) {
  BatchOutcome outcome;
  PI_ASSIGN_OR_RETURN(auto snapshot, session_.load_persons(lookup_keys(rows)));
  WorkingSet working(std::move(snapshot));
  const std::string now = format_timestamp(clock_.now());

  for (const auto& row : rows) {
    auto fail = [&](const ErrorKind& kind, std::string_view field, const std::string& value,
                    std::string_view detail = {}) {
      outcome.errors.push_back(
          make_row_error(row.line, row.row, kind, detail, std::string(field), value));
      outcome.failed_rows.push_back(row.row);
    };

    // 1. The selector: the non-empty identifier of highest precedence.
    WorkingPerson* person = nullptr;
    Selector selector;
    std::optional<PersonId> match;
    if (row.person_id) {
      selector = Selector::kPersonId;
      match = *row.person_id;
    } else if (row.person_key) {
      selector = Selector::kPersonKey;
      match = working.by_key(*row.person_key);
    } else if (row.external_person_id.is_set()) {
      selector = Selector::kExternalPersonId;
      match = working.by_external(row.external_person_id.value);
    } else if (row.mdn.is_set()) {
      selector = Selector::kMdn;
      match = working.by_mdn(row.mdn.value);
    } else {
      selector = Selector::kDeviceId;
      match = working.device_owner(*row.device_id);
    }
    if (match) person = working.find(*match);
    const bool create = person == nullptr;
    if (create) {
      if (selector == Selector::kPersonId) {
        fail(error_kinds::kPersonNotFound, "person_id", row.person_id_raw);
        continue;
      }
      if (selector == Selector::kPersonKey) {
        fail(error_kinds::kPersonNotFound, "person_key", *row.person_key);
        continue;
      }
      if (!row.external_person_id.is_set() && !row.device_id) {
        fail(error_kinds::kPersonCreateRequiresDeviceOrExternalPersonId, "mdn", row.mdn.raw);
        continue;
      }
    }

    // 2. external_person_id as data: unique within the company.
    if (selector != Selector::kExternalPersonId && row.external_person_id.is_set()) {
      auto owner = working.by_external(row.external_person_id.value);
      if (owner && (create || *owner != person->record.person_id)) {
        fail(error_kinds::kUniqueViolation, "external_person_id", row.external_person_id.raw);
        continue;
      }
    }

    // 3. mdn as data: set once, never changed, never shared.
    bool give_mdn = create && selector == Selector::kMdn;
    if (selector != Selector::kMdn && row.mdn.state != IdentifierValue::State::kAbsent) {
      const std::optional<std::string> current = create ? std::nullopt : person->record.mdn;
      if (row.mdn.is_set()) {
        if (current && *current != row.mdn.value) {
          fail(error_kinds::kMdnChangeNotAllowed, "mdn", row.mdn.raw);
          continue;
        }
        if (!current) {
          auto owner = working.by_mdn(row.mdn.value);
          if (owner) {
            fail(error_kinds::kMobilePhoneAlreadyAssigned, "mdn", row.mdn.raw);
            continue;
          }
          give_mdn = true;
        }
      } else if (current) {
        fail(error_kinds::kMdnChangeNotAllowed, "mdn", row.mdn.raw);
        continue;
      }
    }

    // 4. The carrier lookup, only for an mdn about to be given.
    std::optional<std::string> carrier_code;
    if (give_mdn) {
      auto lookup = carrier_lookup_.lookup(row.mdn.value);
      if (lookup.kind == CarrierLookupOutcome::Kind::kPermanentFailure) {
        fail(error_kinds::kPermanentLookupFailure, "mdn", row.mdn.raw, lookup.detail);
        continue;
      }
      if (lookup.kind == CarrierLookupOutcome::Kind::kTransientFailure) {
        fail(error_kinds::kTransientLookupFailure, "mdn", row.mdn.raw, lookup.detail);
        continue;
      }
      carrier_code = std::move(lookup.carrier_code);
    }

    // Every check passed: apply the row.
    if (create) {
      PersonRecord record;
      PI_ASSIGN_OR_RETURN(record.person_id, session_.allocate_person_id());
      record.person_key = random_person_key();
      record.created_at = now;
      record.updated_at = now;
      outcome.changes.created_rows.push_back({row.row, row.line, record.person_id});
      person = &working.add(std::move(record), true);
      ++outcome.created;
    } else {
      ++outcome.updated;
    }
    bool changed = create;
    if (row.external_person_id.is_set() &&
        person->record.external_person_id != row.external_person_id.value) {
      working.set_external(*person, row.external_person_id.value);
      changed = true;
    } else if (row.external_person_id.state == IdentifierValue::State::kClear &&
               person->record.external_person_id) {
      working.set_external(*person, std::nullopt);
      changed = true;
    }
    if (give_mdn) {
      working.set_mdn(*person, row.mdn.value, std::move(carrier_code));
      changed = true;
    }
    if (row.device_id) {
      auto owner = working.device_owner(*row.device_id);
      if (owner != person->record.person_id) {
        if (owner) {
          if (auto* previous = working.find(*owner)) {
            previous->changed = true;
            previous->record.updated_at = now;
          }
        }
        working.attach_device(*row.device_id, person->record.person_id);
        changed = true;
      }
    }
    auto& fields = person->record.custom_fields;
    for (const auto& change : row.changes) {
      const std::string& name = change.field->name;
      if (change.clear) {
        changed |= fields.erase(name) > 0;
      } else {
        auto existing = fields.find(name);
        if (existing == fields.end() || *existing != change.value) {
          fields[name] = change.value;
          changed = true;
        }
      }
    }
    if (changed) {
      person->changed = true;
      person->record.updated_at = now;
    }
  }
  working.collect(outcome.changes);
  return outcome;
}

}  // namespace person_import
