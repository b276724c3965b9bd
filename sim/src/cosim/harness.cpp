// spikeforge co-simulation harness (C++ for Verilator). Generated designs expose the same
// tap ports, so one harness serves every design; sim/src/cosim/mod.rs writes a small
// header (taps.h) that lists the layers' tap ports for this design.
//
// stdin:  u32 count, u32 size, then count * size input values (one byte each), fed to the
//         core SF_VALUES_PER_CYCLE at a time
// stdout: one record per line, cycle 0 = the first cycle after reset
//   S <cycle>                          encoder START of the next input
//   E <layer> <neuron> <sel> <neg> <score>   an emitted event (score: last layer only)
//   D <layer> <t> <cycle> <digest>     a layer's DONE cycle for timestep t of an item, and
//                                      the digest (hex) of the membranes its update wrote
//   V <layer> <neuron> <value>         inside the VCD window: one of those membranes
//   X <cycles>                         end: all inputs done
//   T <cycles>                         end: cycle limit reached (deadlock or stall)
//   Records are flushed at every S and D record: a harness killed as hung (the RTL looping
//   inside one evaluation) has then told how far it got.
// Before cycle 0, each layer whose weights are loaded at start-up has its weight port
// checked (SF_CHECK_WEIGHTS): every word written inverted, all read back, then every word
// written as its memory file says, all read back. A word read back wrong ends the run with
// status 3 and the layer, address and words on stderr. The memories also start from their
// files (SF_PRELOAD_WEIGHTS), so a port that wrote nothing would otherwise go unseen.
// argv:   [limit_cycles] [vcd_path first_cycle last_cycle]
// env:    SF_STALL_SEED=N  hold in_valid low in about one cycle in four, drawn from N and the
//                          cycle (sf_stalled; sf_tb_source.v's +stall=N is its twin)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include "verilated.h"
#include "taps.h"
#if SF_TRACE
#include "verilated_vcd_c.h"
#endif

static bool read_exact(void* dst, size_t n) {
    return fread(dst, 1, n, stdin) == n;
}

// ---- membrane digests (sim/src/membrane.rs is the definition; sf_tb_tap.v the Verilog twin)
static uint64_t sf_digest[SF_LAYERS];
static bool sf_listing = false;
static uint64_t sf_list_first = 0, sf_list_last = 0;

static inline uint64_t sf_mix(uint64_t neuron, int64_t value) {
    uint64_t h = (uint64_t)value ^ (neuron * 0x9E3779B97F4A7C15ULL);
    h = (h ^ (h >> 31)) * 0xBF58476D1CE4E5B9ULL;
    return h ^ (h >> 29);
}

// A tap port as 32-bit words, least significant first: Verilator keeps ports up to 64 bits
// in an integer and wider ones in a VlWide.
template <std::size_t N>
static inline const uint32_t* sf_words(const VlWide<N>& wide, uint32_t*) {
    return wide.data();
}
static inline const uint32_t* sf_words(uint64_t narrow, uint32_t* buf) {
    buf[0] = (uint32_t)narrow;
    buf[1] = (uint32_t)(narrow >> 32);
    return buf;
}

// The stalled cycles of a run with SF_STALL_SEED: splitmix64 of seed + cycle * golden ratio,
// its low two bits 0.
static bool sf_stalling = false;
static uint64_t sf_stall_seed = 0;
static inline bool sf_stalled(uint64_t cycle) {
    if (!sf_stalling) return false;
    uint64_t z = sf_stall_seed + cycle * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (z & 3) == 0;
}

// Put `n` input values on the core's in_value, value j at bits j*SF_VALUE_BITS (an encoder
// taking SF_VALUES_PER_CYCLE values per cycle reads a chunk of them; n = 0 clears the port).
template <std::size_t N>
static inline void sf_put_chunk(VlWide<N>& port, const uint8_t* values, unsigned n) {
    for (std::size_t w = 0; w < N; w++) port[w] = 0;
    for (unsigned j = 0; j < n; j++) {
        unsigned lo = j * SF_VALUE_BITS, s = lo % 32;
        port[lo / 32] |= (uint32_t)values[j] << s;
        if (s + SF_VALUE_BITS > 32) port[lo / 32 + 1] |= (uint32_t)values[j] >> (32 - s);
    }
}
template <typename T>
static inline void sf_put_chunk(T& port, const uint8_t* values, unsigned n) {
    uint64_t packed = 0;
    for (unsigned j = 0; j < n; j++) packed |= (uint64_t)values[j] << (j * SF_VALUE_BITS);
    port = (T)packed;
}

// Bits lo .. lo+bits-1 of words (bits <= 64), sign-extended.
static inline int64_t sf_field(const uint32_t* words, unsigned lo, unsigned bits) {
    unsigned w = lo / 32, s = lo % 32;
    uint64_t raw = (uint64_t)words[w] >> s;
    if (s + bits > 32) raw |= (uint64_t)words[w + 1] << (32 - s);
    if (s + bits > 64) raw |= (uint64_t)words[w + 2] << (64 - s);
    if (bits < 64) {
        raw &= (1ULL << bits) - 1;
        if ((raw >> (bits - 1)) & 1) raw |= ~0ULL << bits;
    }
    return (int64_t)raw;
}

// Fold one tap cycle's membranes into the layer's digest (and list them in the window).
static void sf_fold(unsigned layer, uint64_t first, const uint32_t* mask, const uint32_t* row, unsigned lanes,
                    unsigned bits, uint64_t cycle) {
    for (unsigned i = 0; i < lanes; i++) {
        if (!((mask[i / 32] >> (i % 32)) & 1)) continue;
        int64_t value = sf_field(row, i * bits, bits);
        sf_digest[layer] += sf_mix(first + i, value);
        if (sf_listing && cycle >= sf_list_first && cycle <= sf_list_last)
            printf("V %u %llu %lld\n", layer, (unsigned long long)(first + i), (long long)value);
    }
}

// ---- the weight port (SF_CHECK_WEIGHTS)
// Set a port from 32-bit words, least significant first (at least two of them).
template <std::size_t N>
static inline void sf_set_words(VlWide<N>& port, const uint32_t* words) {
    for (std::size_t w = 0; w < N; w++) port[w] = words[w];
}
template <typename T>
static inline void sf_set_words(T& port, const uint32_t* words) {
    port = (T)((uint64_t)words[0] | (uint64_t)words[1] << 32);
}

// The first `words` words of a $readmemh file (one hex word a line, as hdl-gen writes them),
// each as `stride` 32-bit words, least significant first; false if the file is missing or
// short.
static bool sf_read_hex(const char* file, unsigned words, unsigned stride, std::vector<uint32_t>& out) {
    FILE* f = fopen(file, "r");
    if (!f) return false;
    out.assign((size_t)words * stride, 0);
    char line[4096];
    unsigned word = 0;
    while (word < words && fgets(line, sizeof line, f)) {
        unsigned len = 0;
        while (line[len] && line[len] != '\n' && line[len] != '\r' && line[len] != ' ') len++;
        if (len == 0 || line[0] == '/') continue;
        for (unsigned i = 0; i < len && i < stride * 8; i++) {
            char c = line[len - 1 - i];
            uint32_t nibble = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
            out[(size_t)word * stride + i / 8] |= (nibble & 15) << (4 * (i % 8));
        }
        word++;
    }
    fclose(f);
    return word == words;
}

// Write every word of layer `layer`'s weight memory through its port, read each back (one
// cycle after wt_rd_en), first all inverted, then as `file` says. `step` is one clock cycle.
template <typename Addr, typename Data, typename Step>
static bool sf_check_weights(unsigned layer, const char* file, unsigned words, unsigned bits, CData& wr_en,
                             Addr& addr, Data& wr_data, CData& rd_en, Data& rd_data, Step step) {
    const unsigned stride = bits > 64 ? (bits + 31) / 32 : 2;
    std::vector<uint32_t> memory;
    if (!sf_read_hex(file, words, stride, memory)) {
        fprintf(stderr, "harness: cannot read %u words from %s\n", words, file);
        return false;
    }
    const unsigned top_bits = bits % 32 == 0 ? 32 : bits % 32;
    const uint32_t top_mask = top_bits == 32 ? 0xffffffffu : (1u << top_bits) - 1;
    const unsigned used = (bits + 31) / 32;
    std::vector<uint32_t> word(stride), buf(2);
    for (int pass = 0; pass < 2; pass++) {
        auto expected = [&](unsigned a, unsigned w) {
            uint32_t v = memory[(size_t)a * stride + w];
            if (pass == 0) v = ~v;
            return w + 1 == used ? v & top_mask : w < used ? v : 0;
        };
        for (unsigned a = 0; a < words; a++) {
            for (unsigned w = 0; w < stride; w++) word[w] = expected(a, w);
            wr_en = 1;
            addr = (Addr)a;
            sf_set_words(wr_data, word.data());
            step();
        }
        wr_en = 0;
        for (unsigned a = 0; a < words; a++) {
            rd_en = 1;
            addr = (Addr)a;
            step();
            rd_en = 0;
            const uint32_t* got = sf_words(rd_data, buf.data());
            for (unsigned w = 0; w < used; w++) {
                uint32_t g = w + 1 == used ? got[w] & top_mask : got[w];
                if (g != expected(a, w)) {
                    const unsigned last = 32 * w + (w + 1 == used ? top_bits : 32) - 1;
                    fprintf(stderr,
                            "harness: layer %u's weight port: word %u read back with bits %u..%u 0x%08x, written "
                            "0x%08x (%s)\n",
                            layer, a, 32 * w, last, g, expected(a, w), pass == 0 ? "inverted" : "its file's");
                    return false;
                }
            }
        }
    }
    addr = 0;
    for (unsigned w = 0; w < stride; w++) word[w] = 0;
    sf_set_words(wr_data, word.data());
    return true;
}

int main(int argc, char** argv) {
    uint32_t count = 0, size = 0;
    if (!read_exact(&count, 4) || !read_exact(&size, 4)) {
        fprintf(stderr, "harness: missing header on stdin\n");
        return 2;
    }
    std::vector<uint8_t> values((size_t)count * size);
    if (!values.empty() && !read_exact(values.data(), values.size())) {
        fprintf(stderr, "harness: expected %zu input values on stdin\n", values.size());
        return 2;
    }
    uint64_t limit = argc > 1 ? strtoull(argv[1], nullptr, 10) : 0;
    if (const char* stall = getenv("SF_STALL_SEED")) {
        sf_stalling = true;
        sf_stall_seed = strtoull(stall, nullptr, 10);
    }
    // The VCD window also lists membranes (V records), with or without a trace build.
    if (argc > 4) {
        sf_listing = true;
        sf_list_first = strtoull(argv[3], nullptr, 10);
        sf_list_last = strtoull(argv[4], nullptr, 10);
    }
    VerilatedContext ctx;
    SF_TOP top(&ctx);
#if SF_TRACE
    VerilatedVcdC vcd;
    uint64_t vcd_first = 0, vcd_last = 0;
    bool tracing = argc > 4;
    if (tracing) {
        ctx.traceEverOn(true);
        top.trace(&vcd, 99);
        vcd.open(argv[2]);
        vcd_first = strtoull(argv[3], nullptr, 10);
        vcd_last = strtoull(argv[4], nullptr, 10);
    }
#endif
    static char out_buf[1 << 16];
    setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);

    // Reset for two cycles.
    top.rst = 1;
    top.in_valid = 0;
    sf_put_chunk(top.in_value, values.data(), 0);
    for (int i = 0; i < 2; i++) {
        top.clk = 0;
        top.eval();
        top.clk = 1;
        top.eval();
    }
    top.rst = 0;
    auto step = [&]() {
        top.clk = 0;
        top.eval();
        top.clk = 1;
        top.eval();
    };
    SF_CHECK_WEIGHTS(top, step);
    (void)step;  // a design without loaded weights checks nothing

    const uint64_t total_values = values.size();
    const uint64_t items_expected = (uint64_t)count * SF_TIMESTEPS;
    uint64_t next_value = 0, last_done = 0;
    uint64_t cycle = 0;
    for (;; cycle++) {
        top.in_valid = next_value < total_values && !sf_stalled(cycle);
        sf_put_chunk(top.in_value, values.data() + (next_value < total_values ? next_value : 0),
                     next_value < total_values ? SF_VALUES_PER_CYCLE : 0);
        top.clk = 0;
        top.eval();
#if SF_TRACE
        if (tracing && cycle >= vcd_first && cycle <= vcd_last) vcd.dump(2 * cycle);
#endif
        // Sample the state of this cycle before the rising edge.
        if (top.encoder_start) {
            printf("S %llu\n", (unsigned long long)cycle);
            fflush(stdout);
        }
        SF_SAMPLE_TAPS(top, cycle);
        if (top.in_valid && top.in_ready) next_value += SF_VALUES_PER_CYCLE;
        top.clk = 1;
        top.eval();
#if SF_TRACE
        // Flushed every cycle: a run killed as hung keeps its waveform up to the hang.
        if (tracing && cycle >= vcd_first && cycle <= vcd_last) {
            vcd.dump(2 * cycle + 1);
            vcd.flush();
        }
#endif
        if (last_done == items_expected) {
            printf("X %llu\n", (unsigned long long)(cycle + 1));
            break;
        }
        if (limit && cycle >= limit) {
            printf("T %llu\n", (unsigned long long)cycle);
            break;
        }
    }
#if SF_TRACE
    if (tracing) vcd.close();
#endif
    top.final();
    fflush(stdout);
    return 0;
}
