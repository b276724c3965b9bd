// spikeforge UART co-simulation harness (C++ for Verilator): the board top `<model>_board`
// with a bit-level serial line on each side. The host's line is played onto `rx` as the
// host shaped it (`uart.rs` serializes the bytes 8N1 at SF_CPB clocks per bit and applies
// any flipped bits, glitches or stretched bits); `tx` is decoded back into bytes by
// sampling each bit in its middle, as a real UART does, and held to exact 8N1 timing: the
// board's transmitter is synchronous to this clock, so every bit it sends lasts exactly
// SF_CPB cycles and any other edge is a fault.
//
// Arguments: `random SEED` (the default, seed 1), `zero` or `ones`: the registers' power-on
// state.
// stdin, repeated until EOF, one transaction each:
//   u32 s, s × (u32 level, u32 cycles) line segments for rx, played in order,
//   u32 g, g × u32 reply data-bit indices to invert after decoding (byte * 8 + bit),
//   u32 expect (reply bytes wanted), u64 max_cycles (give up after this many cycles)
// stdout, per transaction: u32 got, got bytes, got × u64 the cycle each byte's start bit
// began, u64 cycles simulated so far, u64 the first cycle tx broke 8N1 timing plus one (0:
// it never did)
// A transaction's segments go onto the line after what earlier ones left unsent (a host
// that sends the next request before the last reply is in), and a transaction ends when its
// reply bytes are in, the line still busy or not, or once nothing more can come: every
// line segment played, the board top's led_busy low and its tx line idle for a byte time (a
// request lost on the line costs no more than that; a drain asks for 0xFFFFFFFF bytes).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <set>
#include <utility>
#include <vector>
#include "verilated.h"
#include "board.h"

static bool read_exact(void* dst, size_t n) {
    return fread(dst, 1, n, stdin) == n;
}

struct Decoder {
    int state = 0;          // 0 idle (or the stop bit's second half), 1 receiving
    bool framed = false;    // inside the 10 bit times of a frame that began at `start`
    uint64_t start = 0;     // the start bit's first cycle
    uint64_t next_sample = 0;
    int bit = 0;
    uint32_t value = 0;
    bool last = true;
    bool level = true;      // the level the current bit began with
    uint64_t fault = 0;     // the first cycle the line broke 8N1 timing, plus one
    // Feed the line level of cycle `c`; returns a byte (0..255) or -1.
    int step(uint64_t c, bool line) {
        int out = -1;
        if (framed && c >= start + 10 * (uint64_t)SF_CPB) framed = false;
        if (framed) {
            // Every bit holds its level for SF_CPB cycles, the start bit low, the stop bit high.
            uint64_t k = (c - start) / SF_CPB;
            if ((c - start) % SF_CPB == 0) level = line;
            bool wrong = line != level || (k == 0 && line) || (k == 9 && !line);
            if (wrong && !fault) fault = c + 1;
        }
        if (state == 0) {
            if (last && !line && !framed) {     // falling edge: start bit
                state = 1;
                framed = true;
                start = c;
                level = line;
                next_sample = c + SF_CPB / 2;
                bit = -1;
                value = 0;
            }
        } else if (c == next_sample) {
            if (bit == -1) {
                if (line) {                // a glitch, not a start bit (and a fault, above)
                    state = 0;
                    framed = false;
                }
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

int main(int argc, char** argv) {
    VerilatedContext ctx;
    // Every register without an initial value starts random (built with --x-initial
    // unique), as after power-on on a part that does not zero them: whatever the board must
    // know at start-up, its reset has to set. Seeded, so a run replays. `zero` starts them
    // at 0 instead, as an FPGA configures them, and `ones` with every bit 1.
    if (argc >= 2 && std::strcmp(argv[1], "zero") == 0) {
        ctx.randReset(0);
    } else if (argc >= 2 && std::strcmp(argv[1], "ones") == 0) {
        ctx.randReset(1);
    } else {
        ctx.randReset(2);
        bool seeded = argc >= 3 && std::strcmp(argv[1], "random") == 0;
        ctx.randSeed(seeded ? (int)(std::strtoul(argv[2], nullptr, 10) & 0x7fffffff) : 1);
    }
    SF_TOP top(&ctx);
    uint64_t cycle = 0;
    top.clk = 0;
    top.rx = 1;
    top.eval();
    Decoder decoder;
    std::deque<std::pair<bool, uint32_t>> line;   // segments not yet played, the front one on the line
    uint32_t played = 0;                          // cycles of the front segment played
    // The host speaks 4 cycles after the board's power-on reset (sf_reset, 16 cycles) ends:
    // a reset that lasts longer misses the first start bit. tx is not held to 8N1 before the
    // reset's first edge sets it high (each transaction starts with no fault recorded).
    for (int i = 0; i < 20; i++, cycle++) {
        top.clk = 0;
        top.eval();
        decoder.step(cycle, top.tx);
        top.clk = 1;
        top.eval();
    }
    for (;;) {
        uint32_t s = 0;
        if (!read_exact(&s, 4)) break;
        for (uint32_t i = 0; i < s; i++) {
            uint32_t v[2];
            if (!read_exact(v, 8)) return 2;
            if (v[1]) line.emplace_back(v[0] != 0, v[1]);
        }
        uint32_t g = 0, expect = 0;
        uint64_t max_cycles = 0;
        if (!read_exact(&g, 4)) return 2;
        std::set<uint32_t> reply_flips;
        for (uint32_t i = 0; i < g; i++) { uint32_t v; if (!read_exact(&v, 4)) return 2; reply_flips.insert(v); }
        if (!read_exact(&expect, 4) || !read_exact(&max_cycles, 8)) return 2;

        std::vector<uint8_t> reply;
        std::vector<uint64_t> starts;
        uint64_t start = cycle;
        uint64_t quiet = 0;     // cycles with nothing to send, nothing running, tx idle
        decoder.fault = 0;
        while (cycle - start < max_cycles && reply.size() < expect) {
            quiet = line.empty() && !top.led_busy && top.tx && decoder.state == 0 ? quiet + 1 : 0;
            if (quiet > 10 * (uint64_t)SF_CPB) break;
            top.rx = line.empty() ? 1 : line.front().first;
            top.clk = 0;
            top.eval();
            int byte = decoder.step(cycle, top.tx);
            if (byte >= 0) {
                reply.push_back((uint8_t)byte);
                starts.push_back(decoder.start);
            }
            top.clk = 1;
            top.eval();
            cycle++;
            if (!line.empty() && ++played == line.front().second) {
                line.pop_front();
                played = 0;
            }
        }
        for (uint32_t i : reply_flips) if (i / 8 < reply.size()) reply[i / 8] ^= (uint8_t)(1u << (i % 8));
        uint32_t got = (uint32_t)reply.size();
        fwrite(&got, 4, 1, stdout);
        if (got) {
            fwrite(reply.data(), 1, got, stdout);
            fwrite(starts.data(), 8, got, stdout);
        }
        fwrite(&cycle, 8, 1, stdout);
        fwrite(&decoder.fault, 8, 1, stdout);
        fflush(stdout);
    }
    top.final();
    return 0;
}
