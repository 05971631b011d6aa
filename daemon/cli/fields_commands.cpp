// fields add, load, list, remove.
#include <algorithm>
#include <iostream>

#include <nlohmann/json.hpp>

#include "core/common/closest_name.h"
#include "core/common/text_file.h"
#include "daemon/cli/commands.h"

namespace person_import::cli {
namespace {

// Defines `fields` all or none; says what was new.
int define(const GlobalOptions& global, const std::vector<FieldDefinition>& fields) {
  auto workspace = open_workspace(global, StoreAccess::kCreate, CompanyUse::kEnsure);
  if (!workspace.ok()) return fail(workspace.error().message);
  auto added = workspace->store->add_fields(workspace->company.id, fields);
  if (!added.ok()) return fail(added.error().message);
  if (fields.size() == 1) {
    std::cerr << (*added == 1 ? "defined " : "already defined, unchanged: ")
              << describe(fields.front()) << '\n';
  } else {
    std::cerr << "defined " << *added << " field(s)";
    if (*added < fields.size()) std::cerr << "; " << fields.size() - *added << " already defined";
    std::cerr << '\n';
  }
  return kExitSuccess;
}

}  // namespace

int fields_add(const GlobalOptions& global, const FieldsAddOptions& options) {
  FieldDefinition field;
  field.name = options.name;
  auto type = parse_field_type(options.type);
  if (!type) return fail("unknown field type \"" + options.type + "\"");
  field.type = *type;
  field.options = options.options;
  if (options.charset) {
    auto charset = parse_charset(*options.charset);
    if (!charset) return fail("unknown charset \"" + *options.charset + "\"");
    if (field.type != FieldType::kString) return fail("--charset applies to string fields only");
    field.charset = *charset;
  }
  if (auto valid = validate_definition(field); !valid.ok()) return fail(valid.error().message);
  return define(global, {field});
}

int fields_load(const GlobalOptions& global, const std::string& path) {
  auto text = read_text_file(path);
  if (!text.ok()) return fail(text.error().message);
  auto fields = definitions_from_json_text(*text);
  if (!fields.ok()) return fail(path + ": " + fields.error().message);
  return define(global, *fields);
}

int fields_list(const GlobalOptions& global, bool json) {
  auto workspace = open_workspace(global, StoreAccess::kRead, CompanyUse::kExisting);
  if (!workspace.ok()) return fail(workspace.error().message);
  auto fields = workspace->store->list_fields(workspace->company.id);
  if (!fields.ok()) return fail(fields.error().message);
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& field : *fields) list.push_back(to_json(field));
    std::cout << list.dump(2) << '\n';
  } else {
    for (const auto& field : *fields) std::cout << describe(field) << '\n';
  }
  return kExitSuccess;
}

int fields_remove(const GlobalOptions& global, const std::string& name, bool force) {
  auto workspace = open_workspace(global, StoreAccess::kExisting, CompanyUse::kExisting);
  if (!workspace.ok()) return fail(workspace.error().message);
  Store& store = *workspace->store;
  const Company& company = workspace->company;
  auto fields = store.list_fields(company.id);
  if (!fields.ok()) return fail(fields.error().message);
  if (std::none_of(fields->begin(), fields->end(),
                   [&](const FieldDefinition& field) { return field.name == name; })) {
    std::string message = "company " + company.key + " has no custom field \"" + name + "\"";
    std::vector<std::string> names;
    for (const auto& field : *fields) names.push_back(field.name);
    if (auto suggestion = closest_name(name, names)) {
      message += "; did you mean \"" + *suggestion + "\"?";
    }
    return fail(message);
  }
  auto holders = store.count_persons_with_field(company.id, name);
  if (!holders.ok()) return fail(holders.error().message);
  if (*holders > 0 && !force) {
    return fail(std::to_string(*holders) + " person(s) of " + company.key + " have a value for \"" +
                name + "\": --force removes the field and those values");
  }
  if (auto removed = store.remove_field(company.id, name); !removed.ok()) {
    return fail(removed.error().message);
  }
  std::cerr << "removed field " << name;
  if (*holders > 0) std::cerr << " and its value from " << *holders << " person(s)";
  std::cerr << '\n';
  return kExitSuccess;
}

}  // namespace person_import::cli
