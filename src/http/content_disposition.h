#pragma once

#include <string>
#include <string_view>

namespace fetchpool::http {

/// The file name a Content-Disposition value suggests, as the server wrote it (RFC 6266):
/// `filename*=` (RFC 8187: UTF-8 or ISO-8859-1, percent-encoded) wins over `filename=`
/// (a token or a quoted string); ISO-8859-1 comes back as UTF-8. Empty when there is none
/// or the extended value is malformed. Not made safe: the engine does that
/// (engine::file_name_from_server) before using it.
std::string content_disposition_filename(std::string_view value);

}  // namespace fetchpool::http
