// temp_dir.hpp: a directory of its own for one test's files (configuration,
// keys, manual-keying tables), removed with everything in it at the end.
#pragma once

#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace strata::gateway {

class TempDir {
public:
    // TempDir makes $TMPDIR/strata-<prefix>-XXXXXX; path() is empty if that failed.
    explicit TempDir(const std::string& prefix = "test") {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / ("strata-" + prefix + "-XXXXXX")).string();
        if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::string& path() const { return path_; }
    // write puts text in the file `name` inside the directory.
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(path_ + "/" + name) << text;
    }

private:
    std::string path_;
};

}  // namespace strata::gateway
