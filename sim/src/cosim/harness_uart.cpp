// spikeforge UART co-simulation harness (C++ for Verilator): the board top `<model>_board`
// with a bit-level serial line on each side. The host's bytes are serialized onto `rx` (8N1,
// SF_CPB clocks per bit, optional bit flips on the line); `tx` is decoded back into bytes
// by sampling each bit in its middle, as a real UART does.
//
// stdin, repeated until EOF, one transaction each:
//   u32 n, n request bytes,
//   u32 f, f × u32 line-bit indices to invert on rx (10 line bits per byte: start, 8 data, stop),
//   u32 g, g × u32 reply data-bit indices to invert after decoding (byte * 8 + bit),
//   u32 expect (reply bytes wanted), u64 max_cycles (give up after this many cycles)
// stdout, per transaction: u32 got, got bytes, u64 cycles simulated so far
// A transaction's bits go onto the line after what earlier ones left unsent (a host that
// sends the next request before the last reply is in), and a transaction ends when its
// reply bytes are in, the line still busy or not, or once nothing more can come: every
// line bit sent, the board top's led_busy low and its tx line idle for a byte time (a
// request lost on the line costs no more than that; a drain asks for 0xFFFFFFFF bytes).
#include <cstdint>
#include <cstdio>
#include <deque>
#include <set>
#include <vector>
#include "verilated.h"
#include "board.h"

static bool read_exact(void* dst, size_t n) {
    return fread(dst, 1, n, stdin) == n;
}

struct Decoder {
    int state = 0;          // 0 idle, 1 receiving
    uint64_t next_sample = 0;
    int bit = 0;
    uint32_t value = 0;
    bool last = true;
    // Feed the line level of cycle `c`; returns a byte (0..255) or -1.
    int step(uint64_t c, bool line) {
        int out = -1;
        if (state == 0) {
            if (last && !line) {           // falling edge: start bit
                state = 1;
                next_sample = c + SF_CPB / 2;
                bit = -1;
                value = 0;
            }
        } else if (c == next_sample) {
            if (bit == -1) {
                if (line) state = 0;       // glitch
            } else if (bit < 8) {
                value |= (uint32_t)line << bit;
            } else {
                if (line) out = (int)value;  // good stop bit
                state = 0;
            }
            bit++;
            next_sample = c + SF_CPB;
        }
        last = line;
        return out;
    }
};

int main(int, char**) {
    VerilatedContext ctx;
    SF_TOP top(&ctx);
    uint64_t cycle = 0;
    top.clk = 0;
    top.rx = 1;
    top.eval();
    Decoder decoder;
    std::deque<bool> line;      // line bits not yet sent, the front one on the line
    uint64_t bit_elapsed = 0;   // cycles the front bit has been on the line
    // The host speaks 4 cycles after the board's power-on reset (sf_reset, 16 cycles) ends:
    // a reset that lasts longer misses the first start bit.
    for (int i = 0; i < 20; i++, cycle++) {
        top.clk = 0;
        top.eval();
        decoder.step(cycle, top.tx);
        top.clk = 1;
        top.eval();
    }
    for (;;) {
        uint32_t n = 0;
        if (!read_exact(&n, 4)) break;
        std::vector<uint8_t> request(n);
        if (n && !read_exact(request.data(), n)) return 2;
        uint32_t f = 0, g = 0, expect = 0;
        uint64_t max_cycles = 0;
        if (!read_exact(&f, 4)) return 2;
        std::set<uint32_t> line_flips;
        for (uint32_t i = 0; i < f; i++) { uint32_t v; if (!read_exact(&v, 4)) return 2; line_flips.insert(v); }
        if (!read_exact(&g, 4)) return 2;
        std::set<uint32_t> reply_flips;
        for (uint32_t i = 0; i < g; i++) { uint32_t v; if (!read_exact(&v, 4)) return 2; reply_flips.insert(v); }
        if (!read_exact(&expect, 4) || !read_exact(&max_cycles, 8)) return 2;

        std::vector<bool> bits;
        for (uint8_t b : request) {
            bits.push_back(false);
            for (int i = 0; i < 8; i++) bits.push_back((b >> i) & 1);
            bits.push_back(true);
        }
        for (uint32_t i : line_flips) if (i < bits.size()) bits[i] = !bits[i];
        line.insert(line.end(), bits.begin(), bits.end());

        std::vector<uint8_t> reply;
        uint64_t start = cycle;
        uint64_t quiet = 0;     // cycles with nothing to send, nothing running, tx idle
        while (cycle - start < max_cycles && reply.size() < expect) {
            quiet = line.empty() && !top.led_busy && top.tx && decoder.state == 0 ? quiet + 1 : 0;
            if (quiet > 10 * (uint64_t)SF_CPB) break;
            top.rx = line.empty() ? 1 : line.front();
            top.clk = 0;
            top.eval();
            int byte = decoder.step(cycle, top.tx);
            if (byte >= 0) reply.push_back((uint8_t)byte);
            top.clk = 1;
            top.eval();
            cycle++;
            if (!line.empty() && ++bit_elapsed == SF_CPB) {
                line.pop_front();
                bit_elapsed = 0;
            }
        }
        for (uint32_t i : reply_flips) if (i / 8 < reply.size()) reply[i / 8] ^= (uint8_t)(1u << (i % 8));
        uint32_t got = (uint32_t)reply.size();
        fwrite(&got, 4, 1, stdout);
        if (got) fwrite(reply.data(), 1, got, stdout);
        fwrite(&cycle, 8, 1, stdout);
        fflush(stdout);
    }
    top.final();
    return 0;
}
