// persons get, export.
#include <iostream>

#include <nlohmann/json.hpp>

#include "core/common/json_text.h"
#include "core/exporting/person_export.h"
#include "core/phones/mdn.h"
#include "daemon/cli/commands.h"

namespace person_import::cli {

int persons_get(const GlobalOptions& global, const PersonsGetOptions& options) {
  PersonSelector selector;
  if (options.person_id) {
    selector = {PersonSelector::Kind::kPersonId, *options.person_id};
  } else if (options.person_key) {
    selector = {PersonSelector::Kind::kPersonKey, *options.person_key};
  } else if (options.external_id) {
    selector = {PersonSelector::Kind::kExternalPersonId, *options.external_id};
  } else {
    // The same forms an import accepts find the same person.
    auto e164 = normalize_mdn(options.mdn.value_or(""));
    if (!e164) return fail("not a valid mdn: " + options.mdn.value_or(""));
    selector = {PersonSelector::Kind::kMdn, *e164};
  }
  auto workspace = open_workspace(global, StoreAccess::kRead, CompanyUse::kExisting);
  if (!workspace.ok()) return fail(workspace.error().message);
  auto person = workspace->store->find_person(workspace->company.id, selector);
  if (!person.ok()) return fail(person.error().message);
  if (!*person) return fail("no such person");
  std::cout << json_text(person_to_json(**person), 2) << '\n';
  return kExitSuccess;
}

int persons_export(const GlobalOptions& global, const std::string& format) {
  auto workspace = open_workspace(global, StoreAccess::kRead, CompanyUse::kExisting);
  if (!workspace.ok()) return fail(workspace.error().message);
  std::vector<FieldDefinition> fields;
  if (format == "csv") {
    auto listed = workspace->store->list_fields(workspace->company.id);
    if (!listed.ok()) return fail(listed.error().message);
    fields = std::move(listed).value();
    write_persons_csv_header(std::cout, fields);
  }
  auto status =
      workspace->store->for_each_person(workspace->company.id, [&](const PersonRecord& person) {
        if (format == "csv") {
          write_person_csv(std::cout, person, fields);
        } else {
          write_person_jsonl(std::cout, person);
          std::cout << '\n';
        }
        return static_cast<bool>(std::cout);
      });
  std::cout.flush();
  if (!status.ok()) return fail(status.error().message);
  if (!std::cout) return fail("could not write the export");
  return kExitSuccess;
}

}  // namespace person_import::cli
