//! The model file: one JSON document, readable metadata first, integer arrays packed 32 to
//! a line. Loading checks, in order: UTF-8, JSON syntax, `format` and `version`, the schema,
//! then every IR rule ([`Network::validate`]); each failure is one typed [`ModelError`].

use std::io::{self, Write};
use std::path::Path;

use serde::Deserialize;
use serde::Serialize;

use crate::error::ModelError;
use crate::network::{FORMAT_NAME, FORMAT_VERSION, Network};

/// Whether [`save`] may replace an existing file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overwrite {
    /// Fail with [`ModelError::Exists`] if the file exists.
    Refuse,
    /// Replace it (the user asked, e.g. with `--force`).
    Allow,
}

/// Read, parse and validate a model file.
pub fn load(path: &Path) -> Result<Network, ModelError> {
    let bytes = std::fs::read(path).map_err(|error| ModelError::Io { path: path.to_path_buf(), error })?;
    from_slice(&bytes, &path.display().to_string())
}

/// Parse and validate a model from bytes; `origin` names them in errors.
pub fn from_slice(bytes: &[u8], origin: &str) -> Result<Network, ModelError> {
    let origin = origin.to_string();
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ModelError::NotUtf8 { origin: origin.clone(), offset: e.valid_up_to() })?;

    if let Some(first) = text.trim_start().bytes().next() {
        if first != b'{' {
            return Err(ModelError::NotAModel { origin, found: "not a JSON object".into() });
        }
    }
    // First pass: only `format` and `version`, so a file from another version is reported as
    // such rather than as whatever field it happens to trip over.
    #[derive(Deserialize)]
    struct Header {
        format: Option<serde_json::Value>,
        version: Option<serde_json::Value>,
    }
    let header: Header = serde_json::from_str(text).map_err(|e| json_error(&origin, e))?;
    match header.format {
        Some(serde_json::Value::String(ref f)) if f == FORMAT_NAME => {}
        other => {
            let found = other.map_or_else(|| "missing".to_string(), |v| v.to_string());
            return Err(ModelError::NotAModel { origin, found });
        }
    }
    match header.version {
        None => return Err(ModelError::MissingVersion { origin }),
        Some(v) if v.as_u64() == Some(FORMAT_VERSION as u64) => {}
        Some(v) => {
            return Err(ModelError::UnsupportedVersion { origin, found: v.to_string(), supported: FORMAT_VERSION });
        }
    }
    let net: Network = serde_json::from_str(text).map_err(|e| json_error(&origin, e))?;
    net.validate().map_err(|error| ModelError::Invalid { origin, error })?;
    Ok(net)
}

fn json_error(origin: &str, e: serde_json::Error) -> ModelError {
    let (line, column) = (e.line(), e.column());
    // serde_json appends " at line L column C"; we report position separately.
    let full = e.to_string();
    let message = full.rsplit_once(" at line ").map_or(full.as_str(), |(m, _)| m).to_string();
    let origin = origin.to_string();
    match e.classify() {
        serde_json::error::Category::Data => ModelError::Schema { origin, line, column, message },
        _ => ModelError::Syntax { origin, line, column, message },
    }
}

/// Serialize a network to the model-file text.
pub fn to_string(net: &Network) -> String {
    let mut out = Vec::with_capacity(net.parameters() * 4 + 4096);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, ModelFormatter::default());
    net.serialize(&mut ser).expect("serializing plain data into memory cannot fail");
    out.push(b'\n');
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Validate and write a network. The file is written to a temporary sibling and renamed, so
/// a failure never leaves a half-written model behind.
pub fn save(net: &Network, path: &Path, overwrite: Overwrite) -> Result<(), ModelError> {
    let origin = path.display().to_string();
    net.validate().map_err(|error| ModelError::Invalid { origin, error })?;
    if overwrite == Overwrite::Refuse && path.exists() {
        return Err(ModelError::Exists { path: path.to_path_buf() });
    }
    let io = |error| ModelError::Io { path: path.to_path_buf(), error };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, to_string(net)).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Pretty objects (one field per line) but packed number arrays (32 values per line), so the
/// metadata reads like a config file and a million weights stay a few megabytes.
#[derive(Default)]
struct ModelFormatter {
    indent: usize,
    /// Per open container: (is array, values so far, contains objects or arrays).
    stack: Vec<(bool, usize, bool)>,
}

impl ModelFormatter {
    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.indent {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    /// Called before a nested container opens inside an array: put it on its own line.
    fn nested_in_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        if let Some(top) = self.stack.last_mut() {
            if top.0 {
                top.2 = true;
                return self.newline(w);
            }
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for ModelFormatter {
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.nested_in_array(w)?;
        self.indent += 1;
        self.stack.push((false, 0, false));
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.indent -= 1;
        let (_, count, _) = self.stack.pop().unwrap_or_default();
        if count > 0 {
            self.newline(w)?;
        }
        w.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if let Some(top) = self.stack.last_mut() {
            top.1 += 1;
        }
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.nested_in_array(w)?;
        self.indent += 1;
        self.stack.push((true, 0, false));
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.indent -= 1;
        let (_, count, nested) = self.stack.pop().unwrap_or_default();
        if nested || count > 32 {
            self.newline(w)?;
        }
        w.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        let count = self.stack.last().map_or(0, |t| t.1);
        if let Some(top) = self.stack.last_mut() {
            top.1 += 1;
        }
        if !first {
            w.write_all(b",")?;
        }
        if count % 32 == 0 && count > 0 {
            self.newline(w)?;
        }
        Ok(())
    }
}
