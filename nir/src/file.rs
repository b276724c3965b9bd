//! NIR files: the HDF5 layout the Python package `nir` 1.0.8 reads and writes
//! (`nir.read` / `nir.write`), through the system libhdf5 (the format's reference
//! implementation, so every filter and string form h5py writes reads back here).
//!
//! Layout: a string dataset `version` and a group `node` holding the top graph; a graph
//! group has a string `type` (`"NIRGraph"`), a group `nodes` with one group per node and
//! `edges`, an `[n, 2]` array of strings. Every node group has a string `type` and one
//! dataset per field (arrays, integers, strings); a nested graph is a node group of type
//! `NIRGraph`. Optional `metadata` groups are skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use h5::types::{FixedAscii, FixedUnicode, TypeDescriptor, VarLenAscii, VarLenUnicode};
use hdf5_metno as h5;
use ndarray::{ArrayD, IxDyn};

use crate::NirError;
use crate::graph::{NirGraph, NirNode, Padding, Param};

/// The NIR version string this crate writes.
pub const NIR_VERSION: &str = "1.0.8";

/// Reads a NIR graph from an HDF5 file written by `nir.write` (or [`write`]).
pub fn read(path: &Path) -> Result<NirGraph, NirError> {
    let unreadable = |message: String| NirError::Hdf5 { path: path.to_path_buf(), object: "/".into(), message };
    std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let file = h5::File::open(path).map_err(|e| match e.to_string() {
        m if m.contains("file signature not found") => {
            unreadable("not an HDF5 file (a NIR graph is one: nir.write writes it)".into())
        }
        _ => hdf5(path, "/", e),
    })?;
    let node = file.group("node").map_err(|e| hdf5(path, "/node", e))?;
    let reader = Reader { path: path.to_path_buf() };
    match reader.node(&node, "node", "/node")? {
        NirNode::Graph(g) => Ok(g),
        other => Err(NirError::Structure(format!("the file's top node is a {}, not a NIRGraph", other.kind()))),
    }
}

/// Whether a file can be replaced by [`write`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overwrite {
    /// Refuse with [`NirError::Exists`] when the file exists.
    Refuse,
    /// Replace it.
    Replace,
}

/// Writes `graph` as a NIR file `nir.read` reads: arrays as `float32` (gzip-compressed like
/// `nir.write`, scalars uncompressed), strings as UTF-8 variable-length strings. The file is
/// written beside `path` and renamed over it, so a failure never leaves half a file.
pub fn write(graph: &NirGraph, path: &Path, overwrite: Overwrite) -> Result<(), NirError> {
    if overwrite == Overwrite::Refuse && path.exists() {
        return Err(NirError::Exists { path: path.to_path_buf() });
    }
    let partial = partial_path(path);
    let result = (|| {
        let file = h5::File::create(&partial).map_err(|e| hdf5(path, "/", e))?;
        let writer = Writer { path: path.to_path_buf() };
        writer.string(&file, "version", NIR_VERSION, "/version")?;
        let node = file.create_group("node").map_err(|e| hdf5(path, "/node", e))?;
        writer.graph(&node, graph, "/node")?;
        file.close().map_err(|e| hdf5(path, "/", e))
    })();
    match result {
        Ok(()) => std::fs::rename(&partial, path).map_err(|e| NirError::Hdf5 {
            path: path.to_path_buf(),
            object: "/".into(),
            message: format!("renaming {}: {e}", partial.display()),
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

fn hdf5(path: &Path, object: &str, error: h5::Error) -> NirError {
    NirError::Hdf5 { path: path.to_path_buf(), object: object.to_string(), message: error.to_string() }
}

struct Reader {
    path: PathBuf,
}

/// One node group being read, for error context.
struct NodeGroup<'a> {
    reader: &'a Reader,
    group: &'a h5::Group,
    name: &'a str,
    kind: String,
    object: &'a str,
}

impl Reader {
    fn node(&self, group: &h5::Group, name: &str, object: &str) -> Result<NirNode, NirError> {
        let kind = self.string(group, "type", &format!("{object}/type"))?;
        let g = NodeGroup { reader: self, group, name, kind: kind.clone(), object };
        Ok(match kind.as_str() {
            "NIRGraph" => NirNode::Graph(self.graph(&g)?),
            "Input" => NirNode::Input { shape: g.shape("shape")? },
            "Output" => NirNode::Output { shape: g.shape("shape")? },
            "Affine" => NirNode::Affine { weight: g.array("weight")?, bias: g.array("bias")? },
            "Linear" => NirNode::Linear { weight: g.array("weight")? },
            "Scale" => NirNode::Scale { scale: g.array("scale")? },
            "Conv2d" => NirNode::Conv2d {
                input_shape: if g.has("input_shape") { Some(g.shape("input_shape")?) } else { None },
                weight: g.array("weight")?,
                stride: g.pair("stride")?,
                padding: g.padding()?,
                dilation: g.pair("dilation")?,
                groups: g.count("groups")?,
                bias: g.array("bias")?,
            },
            "SumPool2d" | "AvgPool2d" => {
                let (kernel_size, stride, padding) = (g.pair("kernel_size")?, g.pair("stride")?, g.pair("padding")?);
                if kind == "SumPool2d" {
                    NirNode::SumPool2d { kernel_size, stride, padding }
                } else {
                    NirNode::AvgPool2d { kernel_size, stride, padding }
                }
            }
            "Flatten" => NirNode::Flatten { start_dim: g.int("start_dim")?, end_dim: g.int("end_dim")? },
            "IF" => {
                let v_threshold = g.array("v_threshold")?;
                NirNode::If { r: g.array("r")?, v_reset: g.array_or_zeros("v_reset", &v_threshold)?, v_threshold }
            }
            "LIF" => {
                let v_threshold = g.array("v_threshold")?;
                NirNode::Lif {
                    tau: g.array("tau")?,
                    r: g.array("r")?,
                    v_leak: g.array("v_leak")?,
                    v_reset: g.array_or_zeros("v_reset", &v_threshold)?,
                    v_threshold,
                }
            }
            "CubaLIF" => {
                let v_threshold = g.array("v_threshold")?;
                NirNode::CubaLif {
                    tau_syn: g.array("tau_syn")?,
                    tau_mem: g.array("tau_mem")?,
                    r: g.array("r")?,
                    v_leak: g.array("v_leak")?,
                    v_reset: g.array_or_zeros("v_reset", &v_threshold)?,
                    w_in: g.array("w_in")?,
                    v_threshold,
                }
            }
            "LI" => NirNode::Li { tau: g.array("tau")?, r: g.array("r")?, v_leak: g.array("v_leak")? },
            "I" => NirNode::I { r: g.array("r")? },
            "Threshold" => NirNode::Threshold { threshold: g.array("threshold")? },
            other => NirNode::Other { kind: other.to_string() },
        })
    }

    fn graph(&self, g: &NodeGroup) -> Result<NirGraph, NirError> {
        let nodes_group = g.group.group("nodes").map_err(|e| hdf5(&self.path, &format!("{}/nodes", g.object), e))?;
        let names = nodes_group.member_names().map_err(|e| hdf5(&self.path, &format!("{}/nodes", g.object), e))?;
        let mut nodes = BTreeMap::new();
        for name in names {
            let object = format!("{}/nodes/{name}", g.object);
            let group = nodes_group.group(&name).map_err(|e| hdf5(&self.path, &object, e))?;
            nodes.insert(name.clone(), self.node(&group, &name, &object)?);
        }
        let edges_object = format!("{}/edges", g.object);
        let (shape, texts) = self.strings(g.group, "edges", &edges_object)?;
        let edges = match shape[..] {
            [_, 2] => texts.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect(),
            [0] => Vec::new(),
            _ => {
                return Err(
                    g.field_error("edges", format!("expected an [n, 2] array of node names, found shape {shape:?}"))
                );
            }
        };
        Ok(NirGraph { nodes, edges })
    }

    fn string(&self, group: &h5::Group, name: &str, object: &str) -> Result<String, NirError> {
        let (shape, mut texts) = self.strings(group, name, object)?;
        if texts.len() != 1 {
            return Err(NirError::Hdf5 {
                path: self.path.clone(),
                object: object.into(),
                message: format!("expected one string, found shape {shape:?}"),
            });
        }
        Ok(texts.remove(0))
    }

    /// A string dataset of any shape, flattened, in any of the string forms h5py writes.
    fn strings(&self, group: &h5::Group, name: &str, object: &str) -> Result<(Vec<usize>, Vec<String>), NirError> {
        let err = |e| hdf5(&self.path, object, e);
        let ds = group.dataset(name).map_err(err)?;
        let shape = ds.shape();
        let texts = match ds.dtype().and_then(|t| t.to_descriptor()).map_err(err)? {
            TypeDescriptor::VarLenUnicode => {
                ds.read_raw::<VarLenUnicode>().map_err(err)?.iter().map(|s| s.to_string()).collect()
            }
            TypeDescriptor::VarLenAscii => {
                ds.read_raw::<VarLenAscii>().map_err(err)?.iter().map(|s| s.to_string()).collect()
            }
            TypeDescriptor::FixedAscii(_) => {
                ds.read_raw::<FixedAscii<1024>>().map_err(err)?.iter().map(|s| s.to_string()).collect()
            }
            TypeDescriptor::FixedUnicode(_) => {
                ds.read_raw::<FixedUnicode<1024>>().map_err(err)?.iter().map(|s| s.to_string()).collect()
            }
            other => {
                return Err(NirError::Hdf5 {
                    path: self.path.clone(),
                    object: object.into(),
                    message: format!("expected a string dataset, found {other:?}"),
                });
            }
        };
        Ok((shape, texts))
    }
}

impl NodeGroup<'_> {
    fn has(&self, field: &str) -> bool {
        self.group.link_exists(field)
    }

    fn field_error(&self, field: &str, reason: String) -> NirError {
        NirError::Field { node: self.name.into(), kind: self.kind.clone(), field: field.into(), reason }
    }

    fn array(&self, field: &str) -> Result<Param, NirError> {
        if !self.has(field) {
            return Err(self.field_error(field, "missing".into()));
        }
        let object = format!("{}/{field}", self.object);
        let err = |e| hdf5(&self.reader.path, &object, e);
        let ds = self.group.dataset(field).map_err(err)?;
        match ds.dtype().and_then(|t| t.to_descriptor()).map_err(err)? {
            TypeDescriptor::Float(_) | TypeDescriptor::Integer(_) | TypeDescriptor::Unsigned(_) => {}
            TypeDescriptor::Boolean => {}
            other => return Err(self.field_error(field, format!("expected numbers, found {other:?}"))),
        }
        let values: ArrayD<f64> = ds.read_dyn::<f64>().map_err(err)?;
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(self.field_error(field, format!("holds {bad}, not a finite number")));
        }
        Ok(values)
    }

    fn array_or_zeros(&self, field: &str, like: &Param) -> Result<Param, NirError> {
        if self.has(field) { self.array(field) } else { Ok(ArrayD::zeros(like.raw_dim())) }
    }

    fn int(&self, field: &str) -> Result<i64, NirError> {
        let a = self.array(field)?;
        match a.iter().collect::<Vec<_>>()[..] {
            [&v] if v.fract() == 0.0 && v.abs() < 1e15 => Ok(v as i64),
            _ => Err(self.field_error(field, format!("expected one integer, found {}", describe(&a)))),
        }
    }

    fn count(&self, field: &str) -> Result<usize, NirError> {
        let v = self.int(field)?;
        usize::try_from(v).map_err(|_| self.field_error(field, format!("expected a count, found {v}")))
    }

    /// A shape: non-negative integers.
    fn shape(&self, field: &str) -> Result<Vec<usize>, NirError> {
        let a = self.array(field)?;
        a.iter()
            .map(|&v| {
                (v.fract() == 0.0 && (0.0..1e12).contains(&v))
                    .then_some(v as usize)
                    .ok_or_else(|| self.field_error(field, format!("expected non-negative integers, found {v}")))
            })
            .collect()
    }

    /// An `(y, x)` pair written as one integer (both) or two.
    fn pair(&self, field: &str) -> Result<[usize; 2], NirError> {
        match self.shape(field)?[..] {
            [v] => Ok([v, v]),
            [y, x] => Ok([y, x]),
            ref other => Err(self.field_error(field, format!("expected one or two integers, found {other:?}"))),
        }
    }

    fn padding(&self) -> Result<Padding, NirError> {
        let object = format!("{}/padding", self.object);
        let ds = self.group.dataset("padding").map_err(|e| hdf5(&self.reader.path, &object, e))?;
        let is_string = matches!(
            ds.dtype().and_then(|t| t.to_descriptor()),
            Ok(TypeDescriptor::VarLenUnicode
                | TypeDescriptor::VarLenAscii
                | TypeDescriptor::FixedAscii(_)
                | TypeDescriptor::FixedUnicode(_))
        );
        if !is_string {
            return Ok(Padding::Explicit(self.pair("padding")?));
        }
        match self.reader.string(self.group, "padding", &object)?.as_str() {
            "same" => Ok(Padding::Same),
            "valid" => Ok(Padding::Valid),
            other => {
                Err(self.field_error("padding", format!("expected \"same\", \"valid\" or integers, found {other:?}")))
            }
        }
    }
}

fn describe(a: &Param) -> String {
    if a.len() <= 4 {
        format!("{:?} (shape {:?})", a.iter().collect::<Vec<_>>(), a.shape())
    } else {
        format!("shape {:?}", a.shape())
    }
}

struct Writer {
    path: PathBuf,
}

impl Writer {
    fn graph(&self, group: &h5::Group, graph: &NirGraph, object: &str) -> Result<(), NirError> {
        self.string(group, "type", "NIRGraph", &format!("{object}/type"))?;
        let nodes = group.create_group("nodes").map_err(|e| hdf5(&self.path, &format!("{object}/nodes"), e))?;
        for (name, node) in &graph.nodes {
            let object = format!("{object}/nodes/{name}");
            let g = nodes.create_group(name).map_err(|e| hdf5(&self.path, &object, e))?;
            self.node(&g, node, &object)?;
        }
        let edges: Vec<VarLenUnicode> = graph
            .edges
            .iter()
            .flat_map(|(a, b)| [a, b])
            .map(|s| VarLenUnicode::from_str(s).expect("node names hold no NUL"))
            .collect();
        let shape = if edges.is_empty() { vec![0] } else { vec![graph.edges.len(), 2] };
        let edges = ArrayD::from_shape_vec(IxDyn(&shape), edges).expect("two names per edge");
        group
            .new_dataset_builder()
            .with_data(&edges)
            .create("edges")
            .map_err(|e| hdf5(&self.path, &format!("{object}/edges"), e))?;
        Ok(())
    }

    fn node(&self, g: &h5::Group, node: &NirNode, object: &str) -> Result<(), NirError> {
        if let NirNode::Graph(graph) = node {
            return self.graph(g, graph, object);
        }
        self.string(g, "type", node.kind(), &format!("{object}/type"))?;
        let ints = |v: &[usize]| -> Param {
            ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.iter().map(|&x| x as f64).collect()).expect("1-D")
        };
        let fields: Vec<(&str, Param, Number)> = match node {
            NirNode::Input { shape } | NirNode::Output { shape } => vec![("shape", ints(shape), Number::Int)],
            NirNode::Affine { weight, bias } => {
                vec![("weight", weight.clone(), Number::Float), ("bias", bias.clone(), Number::Float)]
            }
            NirNode::Linear { weight } => vec![("weight", weight.clone(), Number::Float)],
            NirNode::Scale { scale } => vec![("scale", scale.clone(), Number::Float)],
            NirNode::Conv2d { input_shape, weight, stride, padding, dilation, groups, bias } => {
                let padding = match padding {
                    Padding::Explicit(p) => *p,
                    Padding::Same | Padding::Valid => {
                        return Err(NirError::Unsupported {
                            node: object.into(),
                            kind: "Conv2d".into(),
                            reason: "named padding is written as sizes".into(),
                        });
                    }
                };
                let mut f = vec![
                    ("weight", weight.clone(), Number::Float),
                    ("stride", ints(stride), Number::Int),
                    ("padding", ints(&padding), Number::Int),
                    ("dilation", ints(dilation), Number::Int),
                    ("groups", ArrayD::from_elem(IxDyn(&[]), *groups as f64), Number::Int),
                    ("bias", bias.clone(), Number::Float),
                ];
                if let Some(s) = input_shape {
                    f.push(("input_shape", ints(s), Number::Int));
                }
                f
            }
            NirNode::SumPool2d { kernel_size, stride, padding }
            | NirNode::AvgPool2d { kernel_size, stride, padding } => vec![
                ("kernel_size", ints(kernel_size), Number::Int),
                ("stride", ints(stride), Number::Int),
                ("padding", ints(padding), Number::Int),
            ],
            NirNode::Flatten { start_dim, end_dim } => vec![
                ("start_dim", ArrayD::from_elem(IxDyn(&[]), *start_dim as f64), Number::Int),
                ("end_dim", ArrayD::from_elem(IxDyn(&[]), *end_dim as f64), Number::Int),
            ],
            NirNode::If { r, v_threshold, v_reset } => {
                vec![
                    ("r", r.clone(), Number::Float),
                    ("v_threshold", v_threshold.clone(), Number::Float),
                    ("v_reset", v_reset.clone(), Number::Float),
                ]
            }
            NirNode::Lif { tau, r, v_leak, v_threshold, v_reset } => vec![
                ("tau", tau.clone(), Number::Float),
                ("r", r.clone(), Number::Float),
                ("v_leak", v_leak.clone(), Number::Float),
                ("v_threshold", v_threshold.clone(), Number::Float),
                ("v_reset", v_reset.clone(), Number::Float),
            ],
            NirNode::Li { tau, r, v_leak } => {
                vec![
                    ("tau", tau.clone(), Number::Float),
                    ("r", r.clone(), Number::Float),
                    ("v_leak", v_leak.clone(), Number::Float),
                ]
            }
            NirNode::I { r } => vec![("r", r.clone(), Number::Float)],
            NirNode::Threshold { threshold } => vec![("threshold", threshold.clone(), Number::Float)],
            NirNode::CubaLif { .. } | NirNode::Other { .. } | NirNode::Graph(_) => {
                return Err(NirError::Unsupported {
                    node: object.into(),
                    kind: node.kind().into(),
                    reason: "spikeforge does not write this node type".into(),
                });
            }
        };
        for (name, values, number) in fields {
            let object = format!("{object}/{name}");
            let err = |e| hdf5(&self.path, &object, e);
            let builder = g.new_dataset_builder();
            // h5py refuses filters on scalars, and so does libhdf5: compress arrays only.
            let compress = values.ndim() > 0 && !values.is_empty();
            match number {
                Number::Float => {
                    let data = values.mapv(|v| v as f32);
                    let b = builder.with_data(&data);
                    if compress { b.deflate(4).create(name) } else { b.create(name) }.map_err(err)?;
                }
                Number::Int => {
                    let data = values.mapv(|v| v as i64);
                    let b = builder.with_data(&data);
                    if compress { b.deflate(4).create(name) } else { b.create(name) }.map_err(err)?;
                }
            }
        }
        Ok(())
    }

    fn string(&self, group: &h5::Group, name: &str, value: &str, object: &str) -> Result<(), NirError> {
        let err = |e| hdf5(&self.path, object, e);
        let text = VarLenUnicode::from_str(value).map_err(|e| NirError::Hdf5 {
            path: self.path.clone(),
            object: object.into(),
            message: e.to_string(),
        })?;
        group.new_dataset::<VarLenUnicode>().shape(()).create(name).map_err(err)?.write_scalar(&text).map_err(err)
    }
}

#[derive(Clone, Copy)]
enum Number {
    Float,
    Int,
}
