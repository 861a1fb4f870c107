#include "registry/tar_writer.h"

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

namespace fetchpool::registry {
namespace {

constexpr std::size_t kBlock = 512;
constexpr std::int64_t kUstarMaxSize = 077777777777;  // 11 octal digits: 8 GiB - 1

void put_octal(char* field, std::size_t width, std::int64_t value) {
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(value));
}

}  // namespace

bool TarWriter::header(const std::string& name, std::int64_t size, char type, std::string* error) {
  if (name.size() > 100) {
    *error = "tar entry name longer than 100 bytes: " + name;
    return false;
  }
  std::array<char, kBlock> block{};
  std::memcpy(block.data(), name.data(), name.size());
  put_octal(block.data() + 100, 8, 0644);                               // mode
  put_octal(block.data() + 108, 8, 0);                                  // uid
  put_octal(block.data() + 116, 8, 0);                                  // gid
  put_octal(block.data() + 124, 12, size <= kUstarMaxSize ? size : 0);  // the pax header says
  put_octal(block.data() + 136, 12, 0);                                 // mtime
  block[156] = type;
  std::memcpy(block.data() + 257, "ustar", 6);  // magic "ustar\0", version "00"
  std::memcpy(block.data() + 263, "00", 2);
  std::memset(block.data() + 148, ' ', 8);  // the checksum counts its own field as spaces
  unsigned sum = 0;
  for (char c : block) sum += static_cast<unsigned char>(c);
  std::snprintf(block.data() + 148, 8, "%06o", sum);
  block[155] = ' ';
  return out_.write_all(block.data(), block.size(), error);
}

bool TarWriter::pad(std::int64_t size, std::string* error) {
  static const std::array<char, kBlock> zeros{};
  std::size_t rest = static_cast<std::size_t>(size % static_cast<std::int64_t>(kBlock));
  return rest == 0 || out_.write_all(zeros.data(), kBlock - rest, error);
}

bool TarWriter::add(const std::string& name, const std::string& data, std::string* error) {
  return header(name, static_cast<std::int64_t>(data.size()), '0', error) &&
         out_.write_all(data.data(), data.size(), error) &&
         pad(static_cast<std::int64_t>(data.size()), error);
}

bool TarWriter::add_file(const std::string& name, const std::string& path, std::int64_t size,
                         std::string* error) {
  if (size > kUstarMaxSize) {
    // A pax extended header ("NN size=VALUE\n", NN counting itself) for what ustar cannot hold.
    std::string record = " size=" + std::to_string(size) + "\n";
    std::size_t total = record.size() + 1;
    while (record.size() + std::to_string(total).size() != total) ++total;
    std::string pax = std::to_string(total) + record;
    if (!header("PaxHeaders/" + name.substr(0, 89), static_cast<std::int64_t>(pax.size()), 'x', error) ||
        !out_.write_all(pax.data(), pax.size(), error) || !pad(static_cast<std::int64_t>(pax.size()), error))
      return false;
  }
  if (!header(name, size, '0', error)) return false;
  std::ifstream in(path, std::ios::binary);
  std::vector<char> buffer(1 << 20);
  std::int64_t left = size;
  while (left > 0 && in) {
    in.read(buffer.data(), static_cast<std::streamsize>(std::min<std::int64_t>(left, buffer.size())));
    std::streamsize got = in.gcount();
    if (got <= 0) break;
    if (!out_.write_all(buffer.data(), static_cast<std::size_t>(got), error)) return false;
    left -= got;
  }
  if (left != 0) {
    *error = "'" + path + "' is shorter than its manifest says";
    return false;
  }
  return pad(size, error);
}

bool TarWriter::finish(std::string* error) {
  static const std::array<char, 2 * kBlock> zeros{};
  return out_.write_all(zeros.data(), zeros.size(), error);
}

}  // namespace fetchpool::registry
