// The error classes and base messages of spec section 6.
//
// Every row or file error the import reports is one of these kinds. A reported message is the
// kind's base message, optionally followed by ": " and detail (the column, the value, the
// expected form) — see `format_message`.
#pragma once

#include <string>
#include <string_view>

namespace person_import {

struct ErrorKind {
  std::string_view class_name;
  std::string_view message;
  friend bool operator==(const ErrorKind& a, const ErrorKind& b) {
    return a.class_name == b.class_name && a.message == b.message;
  }
};

namespace error_kinds {
// Row-level.
inline constexpr ErrorKind kInvalidMdnFormat{"MobilePhoneErrors::InvalidMDNFormat",
                                             "The MDN is incorrectly formatted"};
inline constexpr ErrorKind kCustomFieldNotFound{"PersonErrors::CustomFieldNotFound",
                                                "Custom field not found"};
inline constexpr ErrorKind kCharsetMismatch{
    "PersonErrors::InvalidSelectCustomFieldValue",
    "Custom field value is incompatible with the field's character set"};
inline constexpr ErrorKind kInvalidSelectValue{"PersonErrors::InvalidSelectCustomFieldValue",
                                               "Invalid custom field value"};
inline constexpr ErrorKind kInvalidCustomFieldValue{"PersonErrors::InvalidCustomFieldValue",
                                                    "Invalid custom field value"};
inline constexpr ErrorKind kPersonNotFound{"PersonErrors::PersonNotFound", "Person not found"};
inline constexpr ErrorKind kMobilePhoneAlreadyAssigned{"PersonErrors::MobilePhoneAlreadyAssigned",
                                                       "Mobile Phone Already Assigned"};
inline constexpr ErrorKind kInvalidPersonId{"PersonErrors::InvalidPersonID", "Invalid person_id"};
inline constexpr ErrorKind kInvalidPersonKey{"PersonErrors::InvalidPersonKey",
                                             "Invalid person_key"};
inline constexpr ErrorKind kInvalidExternalPersonId{"PersonErrors::InvalidExternalPersonId",
                                                    "Invalid external_person_id"};
inline constexpr ErrorKind kMdnChangeNotAllowed{"PersonErrors::MdnChangeNotAllowed",
                                                "mdn change not allowed"};
inline constexpr ErrorKind kPersonCreateRequiresDeviceOrExternalPersonId{
    "PersonErrors::PersonCreateRequiresDeviceOrExternalPersonId",
    "Creating a person requires a device or an external person id"};
inline constexpr ErrorKind kMissingIdentifier{"PersonErrors::MissingIdentifier",
                                              "No identifier in row"};
inline constexpr ErrorKind kInvalidRowFormat{"PersonErrors::InvalidRowFormat",
                                             "Invalid row format"};
inline constexpr ErrorKind kUniqueViolation{"PG::UniqueViolation",
                                            "duplicate key value violates unique constraint"};
inline constexpr ErrorKind kTransientLookupFailure{
    "CarrierLookupService::TransientLookupFailureError", "Carrier lookup temporarily failed"};
inline constexpr ErrorKind kPermanentLookupFailure{
    "CarrierLookupService::PermanentLookupFailureError",
    "The MDN is not a valid mobile phone active on a valid carrier"};

// File-level: the spec gives these no fixed message; FileError carries a whole one.
inline constexpr ErrorKind kInvalidImportFileFormat{"PersonErrors::InvalidImportFileFormat", ""};
inline constexpr ErrorKind kUnknown8BitEncoding{
    "FileEngine::EncodingDetection::Unknown8BitEncodingDetected", ""};
// The import could not go on (the store failed for good, or a job cannot be resumed): the job
// ends failed.
inline constexpr ErrorKind kImportAborted{"PersonImport::ImportAborted", ""};
}  // namespace error_kinds

// "<base message>" or "<base message>: <detail>".
inline std::string format_message(const ErrorKind& kind, std::string_view detail) {
  std::string message(kind.message);
  if (!detail.empty()) {
    message += ": ";
    message += detail;
  }
  return message;
}

// An error found in the file's structure or encoding: the file is rejected, nothing applies.
// `message` is complete (for example "Couldn't find an external_person_id, mdn, or
// vibes_device_id field", or "invalid UTF-8 at line 3, byte offset 17").
struct FileError {
  ErrorKind kind;
  std::string message;
};

}  // namespace person_import
