// sf_tb_clock: simulation only. Clock, reset, cycle counter, record file, end of run and an
// optional VCD window for the generated Verilog testbench (`<model>_tb`), so an event-driven
// simulator (Icarus Verilog) runs the same test as the Verilator C++ harness
// (sim/src/cosim/harness.cpp) and writes the same records:
//   S <cycle>                  encoder START of the next input
//   D <layer> <t> <cycle> <digest>   (sf_tb_tap) a layer's DONE cycle and the digest (hex)
//                              of the membranes its update wrote for the item
//   V <layer> <neuron> <value> (sf_tb_tap) inside the VCD window: one of those membranes
//   E <layer> <neuron> <sel> <neg> <score>   (sf_tb_tap) an emitted event
//   X <cycles>                 end: all items done
//   T <cycle>                  end: cycle limit reached
// Cycle 0 is the first cycle after two cycles of reset; every record samples the cycle's
// settled values just before its rising edge, as the harness does.
//
// Plusargs
//   +out=FILE                  records (default sf_records.txt)
//   +items=N                   items (inputs x timesteps) the last layer must finish
//   +limit=N                   stop after cycle N (0 or absent: no limit)
//   +vcd=FILE +vcd_first=A +vcd_last=B   dump the cycles A..=B
//
// Ports
//   clk            out  1   clock, period 10 time units
//   rst            out  1   synchronous reset, high for the first two cycles
//   cycle          out  64  current cycle (0 = first cycle after reset)
//   fd             out  32  record file descriptor (sf_tb_tap writes to it)
//   encoder_start  in   1   the core's encoder START tap
//   last_done      in   1   the last layer's item_done tap
module sf_tb_clock (
    output reg         clk,
    output wire        rst,
    output reg  [63:0] cycle,
    output reg  [31:0] fd,
    input  wire        encoder_start,
    input  wire        last_done
);
    reg [8*1024-1:0] out_path;
    reg [8*1024-1:0] vcd_path;
    reg [63:0]       items;
    reg [63:0]       limit;
    reg [63:0]       vcd_first;
    reg [63:0]       vcd_last;
    reg              tracing;
    reg [1:0]        reset_cycles;
    reg [63:0]       items_done;
    reg              stop;

    initial begin
        if (!$value$plusargs("out=%s", out_path)) out_path = "sf_records.txt";
        if (!$value$plusargs("items=%d", items)) items = 0;
        if (!$value$plusargs("limit=%d", limit)) limit = 0;
        if (!$value$plusargs("vcd_first=%d", vcd_first)) vcd_first = 0;
        if (!$value$plusargs("vcd_last=%d", vcd_last)) vcd_last = 0;
        fd = $fopen(out_path, "w");
        if (fd == 0) begin
            $display("sf_tb_clock: cannot write %0s", out_path);
            $finish;
        end
        tracing = $value$plusargs("vcd=%s", vcd_path);
        if (tracing) begin
            $dumpfile(vcd_path);
            $dumpvars;
            $dumpoff;
        end
        clk          = 1'b0;
        reset_cycles = 2'd0;
        cycle        = 64'd0;
        items_done   = 64'd0;
        stop         = 1'b0;
    end

    // The free-running clock is the one blocking toggle of the testbench.
    /* verilator lint_off BLKSEQ */
    always #5 clk = ~clk;
    /* verilator lint_on BLKSEQ */

    assign rst = reset_cycles != 2'd2;

    // ---- clocked: reset count, cycle count, records of the run's start and end ----
    always @(posedge clk) begin
        if (rst) begin
            reset_cycles <= reset_cycles + 2'd1;
        end else begin
            if (tracing && cycle == vcd_first) $dumpon;
            // Every cycle's records are flushed (the taps' at the next cycle), so a run killed
            // as hung has told how far it got; a flush with nothing written costs nothing.
            $fflush(fd);
            if (encoder_start) $fwrite(fd, "S %0d\n", cycle);
            if (last_done && items_done + 64'd1 == items) begin
                $fwrite(fd, "X %0d\n", cycle + 64'd1);
                stop <= 1'b1;
            end else if (limit != 64'd0 && cycle >= limit) begin
                $fwrite(fd, "T %0d\n", cycle);
                stop <= 1'b1;
            end
            if (last_done) items_done <= items_done + 64'd1;
            cycle <= cycle + 64'd1;
        end
    end

    // The run ends half a cycle after its last edge, once every tap has written that
    // edge's records.
    always @(negedge clk) begin
        if (tracing && cycle == vcd_last + 64'd1) $dumpoff;
        if (stop) begin
            if (tracing) $dumpflush;
            $fclose(fd);
            $finish;
        end
    end
endmodule
