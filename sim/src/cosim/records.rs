//! The record stream both simulators write (the Verilator harness on stdout, the Verilog
//! testbench into a file): one line per encoder start, emitted event, DONE cycle and end.
//! `harness.cpp` and `hdl-gen/rtl/sim/sf_tb_clock.v` document the format.

use std::path::Path;
use std::time::Duration;

use super::{RtlEvent, RtlItem, RtlRun, SimulatorKind};
use crate::error::SimError;
use crate::membrane::MembraneDigest;

/// Turns record lines into an [`RtlRun`].
pub(super) struct RecordParser {
    run: RtlRun,
    /// Events of each layer's current item, until its `D` record.
    pending: Vec<Vec<RtlEvent>>,
    /// Membranes listed (`V` records) for each layer's current item, until its `D` record.
    listed: Vec<Vec<(u32, i64)>>,
    ended: bool,
    /// Layer of the last event or DONE record.
    last_layer: Option<usize>,
}

impl RecordParser {
    pub(super) fn new(layers: usize) -> RecordParser {
        RecordParser {
            run: RtlRun { layers: vec![Vec::new(); layers], ..RtlRun::default() },
            pending: vec![Vec::new(); layers],
            listed: vec![Vec::new(); layers],
            ended: false,
            last_layer: None,
        }
    }

    /// The error for a simulator killed as hung after these records: the input the encoder
    /// started last, and the layer of the last event or DONE record.
    pub(super) fn hung(&self, simulator: SimulatorKind, budget: Duration, vcd: Option<&Path>) -> SimError {
        let input = self.run.starts.len().checked_sub(1);
        SimError::Hung { simulator, budget, input, layer: self.last_layer, vcd: vcd.map(Path::to_path_buf) }
    }

    /// Take one line; `progress(1)` whenever the last layer finishes an item.
    pub(super) fn line(&mut self, line: &str, progress: &mut impl FnMut(usize)) -> Result<(), SimError> {
        let bad = || SimError::Record { line: line.to_string() };
        let mut fields = line.split(' ');
        let tag = fields.next().unwrap_or("");
        let mut num = || -> Result<i64, SimError> { fields.next().and_then(|v| v.parse().ok()).ok_or_else(bad) };
        let layers = self.pending.len();
        match tag {
            "S" => {
                let cycle = num()? as u64;
                self.run.starts.push(cycle);
            }
            "E" => {
                let layer = num()? as usize;
                let event = RtlEvent { neuron: num()? as u32, sel: num()? as u32, neg: num()? != 0, score: num()? };
                self.pending.get_mut(layer).ok_or_else(bad)?.push(event);
                self.last_layer = Some(layer);
            }
            "V" => {
                let layer = num()? as usize;
                let membrane = (num()? as u32, num()?);
                self.listed.get_mut(layer).ok_or_else(bad)?.push(membrane);
            }
            "D" => {
                let layer = num()? as usize;
                let t = num()? as u32;
                let done = num()? as u64;
                let digest = match fields.next() {
                    Some(hex) => Some(MembraneDigest(u64::from_str_radix(hex, 16).map_err(|_| bad())?)),
                    None => None,
                };
                let events = std::mem::take(self.pending.get_mut(layer).ok_or_else(bad)?);
                let membranes = std::mem::take(&mut self.listed[layer]);
                self.run.layers[layer].push(RtlItem { events, t, done, digest, membranes });
                self.last_layer = Some(layer);
                if layer + 1 == layers {
                    progress(1);
                }
            }
            "X" | "T" => {
                self.run.cycles = num()? as u64;
                self.run.timed_out = tag == "T";
                self.ended = true;
            }
            _ => return Err(bad()),
        }
        Ok(())
    }

    /// The run, once the end record has been seen.
    pub(super) fn finish(self) -> Result<RtlRun, SimError> {
        if self.ended { Ok(self.run) } else { Err(SimError::Unfinished { said: String::new() }) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_group_events_into_items_per_layer() {
        let mut p = RecordParser::new(2);
        let mut done = 0;
        for l in [
            "S 1",
            "E 0 3 1 0 0",
            "E 1 2 0 0 -5",
            "V 0 4 -17",
            "E 0 4 0 1 0",
            "D 0 0 20 00000000000000ff",
            "D 1 0 30",
            "X 31",
        ] {
            p.line(l, &mut |k| done += k).unwrap();
        }
        let run = p.finish().unwrap();
        assert_eq!(done, 1);
        assert_eq!(run.starts, vec![1]);
        assert_eq!(run.layers[0][0].events.len(), 2);
        assert!(run.layers[0][0].events[1].neg);
        assert_eq!(run.layers[1][0].events[0].score, -5);
        assert_eq!((run.layers[1][0].done, run.cycles, run.timed_out), (30, 31, false));
        assert_eq!(run.layers[0][0].digest, Some(MembraneDigest(255)));
        assert_eq!(run.layers[0][0].membranes, vec![(4, -17)]);
        assert_eq!((run.layers[1][0].digest, run.layers[1][0].membranes.len()), (None, 0));
    }

    #[test]
    fn malformed_or_unfinished_records_are_errors() {
        let mut p = RecordParser::new(1);
        assert!(p.line("E 5 0 0 0 0", &mut |_| {}).is_err(), "layer out of range");
        assert!(p.line("Q 1", &mut |_| {}).is_err());
        assert!(p.line("D 0 x 3", &mut |_| {}).is_err());
        assert!(p.line("D 0 0 3 zz", &mut |_| {}).is_err(), "a digest is hex");
        assert!(p.line("V 2 0 1", &mut |_| {}).is_err(), "layer out of range");
        assert!(RecordParser::new(1).finish().is_err());
    }
}
