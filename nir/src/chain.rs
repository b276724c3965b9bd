//! From a NIR graph to the chain of nodes spikeforge runs: one `Input`, one `Output`, every
//! node in between with exactly one edge in and one out. Recurrent edges, branches, skip
//! connections and nested graphs are refused with the node they concern.

use std::collections::BTreeSet;

use crate::NirError;
use crate::graph::{NirGraph, NirNode};

/// A node of the chain: its name in the graph and the node.
#[derive(Clone, Copy, Debug)]
pub struct Link<'a> {
    /// The node's name in the graph.
    pub name: &'a str,
    /// The node.
    pub node: &'a NirNode,
}

/// The nodes from `Input` to `Output`, both included, in data-flow order.
///
/// ```
/// use nir::{NirGraph, NirNode};
/// let g = NirGraph {
///     nodes: [("in".to_string(), NirNode::Input { shape: vec![2] }),
///             ("out".to_string(), NirNode::Output { shape: vec![2] })].into(),
///     edges: vec![("in".into(), "out".into())],
/// };
/// let chain = nir::chain::linearize(&g).unwrap();
/// assert_eq!(chain.iter().map(|l| l.name).collect::<Vec<_>>(), ["in", "out"]);
/// ```
pub fn linearize(graph: &NirGraph) -> Result<Vec<Link<'_>>, NirError> {
    for (a, b) in &graph.edges {
        for end in [a, b] {
            if !graph.nodes.contains_key(end) {
                return Err(NirError::Structure(format!(
                    "edge {a} -> {b} names a node {end:?} the graph does not have"
                )));
            }
        }
    }
    let named = |pred: fn(&NirNode) -> bool| -> Vec<&str> {
        graph.nodes.iter().filter(|(_, n)| pred(n)).map(|(k, _)| k.as_str()).collect()
    };
    let inputs = named(|n| matches!(n, NirNode::Input { .. }));
    let outputs = named(|n| matches!(n, NirNode::Output { .. }));
    let start = match inputs[..] {
        [one] => one,
        [] => return Err(NirError::Structure("no Input node".into())),
        _ => {
            return Err(NirError::Structure(format!(
                "{} Input nodes ({}); spikeforge networks have one input",
                inputs.len(),
                inputs.join(", ")
            )));
        }
    };
    if outputs.len() != 1 {
        return Err(NirError::Structure(format!(
            "{} Output nodes ({}); spikeforge networks have one output",
            outputs.len(),
            outputs.join(", ")
        )));
    }
    let mut chain = Vec::new();
    let mut seen = BTreeSet::new();
    let mut current = start;
    loop {
        let node = &graph.nodes[current];
        if let NirNode::Graph(inner) = node {
            return Err(nested(current, inner));
        }
        let preds: Vec<&str> = graph.predecessors(current).collect();
        if let Some(back) =
            preds.iter().find(|p| seen.contains(**p) && chain.last().is_none_or(|l: &Link| l.name != **p))
        {
            return Err(recurrent(graph, back, current));
        }
        if preds.len() > 1 {
            // An edge from a node further down the chain is recurrence; anything else is a join.
            if let Some(back) = preds.iter().find(|p| reaches(graph, current, p)) {
                return Err(recurrent(graph, back, current));
            }
            return Err(NirError::Unsupported {
                node: current.into(),
                kind: node.kind().into(),
                reason: format!(
                    "{} incoming edges ({}); spikeforge runs a chain of layers (no joins or skip connections)",
                    preds.len(),
                    preds.join(", ")
                ),
            });
        }
        seen.insert(current);
        chain.push(Link { name: current, node });
        if matches!(node, NirNode::Output { .. }) {
            break;
        }
        let succs: Vec<&str> = graph.successors(current).collect();
        current = match succs[..] {
            [next] => next,
            [] => {
                return Err(NirError::Unsupported {
                    node: current.into(),
                    kind: node.kind().into(),
                    reason: "no outgoing edge: the chain from Input never reaches Output".into(),
                });
            }
            _ => {
                if let Some(back) = succs.iter().find(|s| seen.contains(**s)) {
                    return Err(recurrent(graph, current, back));
                }
                return Err(NirError::Unsupported {
                    node: current.into(),
                    kind: node.kind().into(),
                    reason: format!(
                        "{} outgoing edges ({}); spikeforge runs a chain of layers (no branches)",
                        succs.len(),
                        succs.join(", ")
                    ),
                });
            }
        };
        if seen.contains(current) {
            return Err(recurrent(graph, chain.last().map_or(start, |l| l.name), current));
        }
    }
    let unused: Vec<&str> = graph.nodes.keys().map(String::as_str).filter(|k| !seen.contains(k)).collect();
    if !unused.is_empty() {
        return Err(NirError::Structure(format!("nodes not on the path from Input to Output: {}", unused.join(", "))));
    }
    Ok(chain)
}

/// Whether `to` can be reached from `from` along edges.
fn reaches(graph: &NirGraph, from: &str, to: &str) -> bool {
    let mut stack = vec![from];
    let mut seen = BTreeSet::new();
    while let Some(n) = stack.pop() {
        if n == to {
            return true;
        }
        if seen.insert(n) {
            stack.extend(graph.successors(n));
        }
    }
    false
}

const RECURRENCE: &str = "NIR recurrence delivers the spikes of one timestep at the next; spikeforge's lateral \
                          connections act within a timestep, so this graph has no faithful mapping";

fn recurrent(graph: &NirGraph, from: &str, to: &str) -> NirError {
    NirError::Unsupported {
        node: to.into(),
        kind: graph.nodes.get(to).map_or("?", |n| n.kind()).into(),
        reason: format!("recurrent edge {from} -> {to}: {RECURRENCE}"),
    }
}

fn nested(name: &str, inner: &NirGraph) -> NirError {
    let cyclic = inner.edges.iter().find(|(a, b)| reaches(inner, b, a));
    let reason = match cyclic {
        Some((a, b)) => {
            format!("nested graph with recurrent edge {a} -> {b} (snnTorch's RLeaky/RSynaptic): {RECURRENCE}")
        }
        None => "nested graphs are not supported; export the network flat".to_string(),
    };
    NirError::Unsupported { node: name.into(), kind: "NIRGraph".into(), reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(nodes: &[(&str, NirNode)], edges: &[(&str, &str)]) -> NirGraph {
        NirGraph {
            nodes: nodes.iter().map(|(k, n)| (k.to_string(), n.clone())).collect(),
            edges: edges.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        }
    }

    fn lin() -> NirNode {
        NirNode::Linear { weight: ndarray::ArrayD::zeros(ndarray::IxDyn(&[2, 2])) }
    }

    #[test]
    fn a_chain_comes_out_in_data_flow_order_whatever_the_edge_order() {
        let g = graph(
            &[
                ("input", NirNode::Input { shape: vec![2] }),
                ("a", lin()),
                ("b", lin()),
                ("output", NirNode::Output { shape: vec![2] }),
            ],
            &[("b", "output"), ("a", "b"), ("input", "a")],
        );
        let names: Vec<&str> = linearize(&g).unwrap().iter().map(|l| l.name).collect();
        assert_eq!(names, ["input", "a", "b", "output"]);
    }

    #[test]
    fn a_recurrent_edge_is_refused_naming_it() {
        let g = graph(
            &[
                ("input", NirNode::Input { shape: vec![2] }),
                ("a", lin()),
                ("b", lin()),
                ("output", NirNode::Output { shape: vec![2] }),
            ],
            &[("input", "a"), ("a", "b"), ("b", "a"), ("b", "output")],
        );
        let e = linearize(&g).unwrap_err().to_string();
        assert!(e.starts_with("node a (Linear): recurrent edge b -> a"), "{e}");
    }

    #[test]
    fn branches_joins_and_strays_are_refused() {
        let branch = graph(
            &[
                ("input", NirNode::Input { shape: vec![2] }),
                ("a", lin()),
                ("b", lin()),
                ("output", NirNode::Output { shape: vec![2] }),
            ],
            &[("input", "a"), ("input", "b"), ("a", "output"), ("b", "output")],
        );
        assert!(linearize(&branch).unwrap_err().to_string().contains("2 outgoing edges (a, b)"));
        let stray = graph(
            &[
                ("input", NirNode::Input { shape: vec![2] }),
                ("a", lin()),
                ("output", NirNode::Output { shape: vec![2] }),
            ],
            &[("input", "output")],
        );
        assert_eq!(linearize(&stray).unwrap_err().to_string(), "graph: nodes not on the path from Input to Output: a");
        let dangling = graph(&[("input", NirNode::Input { shape: vec![2] })], &[("input", "nowhere")]);
        assert!(linearize(&dangling).unwrap_err().to_string().contains("\"nowhere\""));
    }
}
