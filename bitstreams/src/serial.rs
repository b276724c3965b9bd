//! A serial port to a board running `<model>_board`, as a [`Transport`] for
//! [`hdl_gen::protocol::infer`].

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use hdl_gen::protocol::{LinkError, Transport};

use crate::BitstreamError;

/// The first USB serial port under /dev (`ttyUSB*`, then `ttyACM*`), or why there is none.
pub fn find_port() -> Result<String, BitstreamError> {
    let mut ports: Vec<String> = std::fs::read_dir("/dev")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("ttyUSB") || n.starts_with("ttyACM"))
                .collect()
        })
        .unwrap_or_default();
    ports.sort();
    ports.into_iter().next().map(|n| format!("/dev/{n}")).ok_or_else(|| BitstreamError::NoBoard {
        reason: "no USB serial port (/dev/ttyUSB*, /dev/ttyACM*): is the board plugged in?".into(),
    })
}

/// What the FTDI driver's latency timer of `port` was, and whether it could be lowered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LatencyTimer {
    /// Not an FTDI port under Linux's `ftdi_sio` (no `latency_timer` in sysfs).
    NotFtdi,
    /// Already 1 ms.
    Low,
    /// Lowered from this many ms to 1.
    Lowered(u32),
    /// Left at this many ms: the sysfs file is not writable (not root).
    Kept(u32),
}

/// Lower the latency timer of an FTDI serial port (`/dev/ttyUSB*` under `ftdi_sio`) to 1 ms.
/// The chip holds a short reply until its buffer fills or the timer runs out, 16 ms by
/// default: with the board's 20- to 200-byte replies that, not the baud rate, would set a
/// pipelined link's pace (two requests per 16 ms).
pub fn lower_latency_timer(port: &str) -> LatencyTimer {
    let Some(name) = Path::new(port).file_name().and_then(|n| n.to_str()) else {
        return LatencyTimer::NotFtdi;
    };
    let file = Path::new("/sys/bus/usb-serial/devices").join(name).join("latency_timer");
    let Some(ms) = std::fs::read_to_string(&file).ok().and_then(|t| t.trim().parse::<u32>().ok()) else {
        return LatencyTimer::NotFtdi;
    };
    if ms <= 1 {
        return LatencyTimer::Low;
    }
    match std::fs::write(&file, "1") {
        Ok(()) => LatencyTimer::Lowered(ms),
        Err(_) => LatencyTimer::Kept(ms),
    }
}

/// An open serial port.
pub struct SerialLink {
    port: Box<dyn serialport::SerialPort>,
    /// How long a receive waits for the next byte.
    pub timeout: Duration,
}

impl SerialLink {
    /// Open `path` at `baud` (8N1). A missing port is [`BitstreamError::NoBoard`].
    pub fn open(path: &str, baud: u32, timeout: Duration) -> Result<SerialLink, BitstreamError> {
        if !Path::new(path).exists() {
            return Err(BitstreamError::NoBoard { reason: format!("{path} does not exist: is the board plugged in?") });
        }
        let port = serialport::new(path, baud)
            .timeout(Duration::from_millis(20))
            .open()
            .map_err(|e| BitstreamError::NoBoard { reason: format!("cannot open {path}: {e}") })?;
        Ok(SerialLink { port, timeout })
    }
}

impl Transport for SerialLink {
    fn send(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        self.port.write_all(bytes).and_then(|_| self.port.flush()).map_err(LinkError::from)
    }

    fn receive(&mut self, n: usize) -> Result<Vec<u8>, LinkError> {
        let mut got = Vec::with_capacity(n);
        let mut last = Instant::now();
        let mut buf = [0u8; 256];
        while got.len() < n && last.elapsed() < self.timeout {
            match self.port.read(&mut buf[..(n - got.len()).min(256)]) {
                Ok(0) => {}
                Ok(k) => {
                    got.extend_from_slice(&buf[..k]);
                    last = Instant::now();
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(got)
    }

    fn drain(&mut self) -> Result<(), LinkError> {
        std::thread::sleep(self.timeout / 2);
        self.port.clear(serialport::ClearBuffer::Input).map_err(LinkError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_without_an_ftdi_latency_timer_is_left_alone() {
        assert_eq!(lower_latency_timer("/dev/ttyUSB-that-is-not-there"), LatencyTimer::NotFtdi);
        assert_eq!(lower_latency_timer("/"), LatencyTimer::NotFtdi);
    }
}
