// replay_main.cpp: runs a fuzz target over every file of a corpus folder.
//
// Non-libFuzzer builds link this instead of libFuzzer so that the seed corpus
// is replayed under ASan+UBSan as an ordinary test. It fails if the folder has
// no input, so that a missing corpus cannot pass silently.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    std::size_t n = 0;
    std::error_code ec;
    std::filesystem::directory_iterator it(argv[1], ec);
    if (ec) {
        std::fprintf(stderr, "cannot read corpus %s: %s\n", argv[1], ec.message().c_str());
        return 1;
    }
    for (const auto& entry : it) {
        if (!entry.is_regular_file()) continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::vector<std::uint8_t> buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        LLVMFuzzerTestOneInput(buf.data(), buf.size());
        ++n;
    }
    std::printf("replayed %zu inputs from %s\n", n, argv[1]);
    return n == 0 ? 1 : 0;
}
