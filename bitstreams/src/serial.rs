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
