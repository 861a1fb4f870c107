#include "registry/tar_layout.h"

#include <array>
#include <cstdio>
#include <cstring>

namespace fetchpool::registry {
namespace {

constexpr std::int64_t kBlock = 512;
constexpr std::int64_t kUstarMaxSize = 077777777777;  // 11 octal digits: 8 GiB - 1

std::int64_t padded(std::int64_t size) {
  return (size + kBlock - 1) / kBlock * kBlock;
}

void put_octal(char* field, std::size_t width, std::int64_t value) {
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(value));
}

using Block = std::array<char, kBlock>;

Block header(const std::string& name, std::int64_t size, char type) {
  Block block{};
  std::memcpy(block.data(), name.data(), std::min<std::size_t>(name.size(), 100));
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
  return block;
}

// A pax extended header's one record, "NN size=VALUE\n", NN counting the record itself.
std::string pax_size_record(std::int64_t size) {
  std::string record = " size=" + std::to_string(size) + "\n";
  std::size_t total = record.size() + 1;
  while (record.size() + std::to_string(total).size() != total) ++total;
  return std::to_string(total) + record;
}

// The bytes before an entry's contents: a pax header with its record when ustar cannot
// hold the size, then the ustar header.
std::string headers(const std::string& name, std::int64_t size) {
  std::string out;
  if (size > kUstarMaxSize) {
    std::string pax = pax_size_record(size);
    Block pax_header = header("PaxHeaders/" + name.substr(0, 89), static_cast<std::int64_t>(pax.size()), 'x');
    out.append(pax_header.data(), pax_header.size());
    out += pax;
    out.resize(static_cast<std::size_t>(padded(static_cast<std::int64_t>(out.size()))), '\0');
  }
  Block ustar = header(name, size, '0');
  out.append(ustar.data(), ustar.size());
  return out;
}

}  // namespace

bool TarLayout::add(const std::string& name, std::int64_t size, std::int64_t* data_offset,
                    std::string* error) {
  if (name.size() > 100) {
    *error = "tar entry name longer than 100 bytes: " + name;
    return false;
  }
  Entry entry{name, size, size_ - 2 * kBlock};
  *data_offset = entry.header_offset + static_cast<std::int64_t>(headers(name, size).size());
  size_ = *data_offset + padded(size) + 2 * kBlock;
  entries_.push_back(std::move(entry));
  return true;
}

bool TarLayout::write_headers(platform::OutputFile& out, std::string* error) const {
  // Reserved up front: a disk without room fails the pull before any blob is copied.
  if (!out.resize(size_, error) || !out.reserve(0, size_, error)) return false;
  for (const Entry& entry : entries_) {
    std::string bytes = headers(entry.name, entry.size);
    if (!out.write_at(entry.header_offset, bytes.data(), bytes.size(), error)) return false;
  }
  return true;
}

}  // namespace fetchpool::registry
