#include "daemon/queueing/file_digest.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <vector>

namespace person_import::queueing {

Result<FileDigest> digest_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("cannot read " + path.string());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    return make_error("cannot start a SHA-256 digest");
  }
  FileDigest digest;
  std::vector<char> buffer(std::size_t{1} << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = in.gcount();
    if (got <= 0) break;
    if (EVP_DigestUpdate(context.get(), buffer.data(), static_cast<std::size_t>(got)) != 1) {
      return make_error("SHA-256 digest failed");
    }
    digest.bytes += static_cast<std::uint64_t>(got);
  }
  if (in.bad()) return make_error("cannot read " + path.string());
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context.get(), hash, &length) != 1) {
    return make_error("SHA-256 digest failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  digest.sha256.reserve(std::size_t{length} * 2);
  for (unsigned int index = 0; index < length; ++index) {
    digest.sha256 += kHex[hash[index] >> 4];
    digest.sha256 += kHex[hash[index] & 0x0f];
  }
  return digest;
}

}  // namespace person_import::queueing
