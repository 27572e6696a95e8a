//! The graph as a picture, as data: a layered layout (boxes with x, y, w, h and edges between them) that the CLI
//! writes as SVG, DOT or JSON and the GUI draws.
//!
//! Layout: a node's layer is one more than the deepest layer of the nodes producing its inputs (graph inputs are
//! layer 0, graph outputs sit below their producer); nodes of a layer are placed left to right in schedule order
//! and each row is centred. Everything is deterministic. Units are SVG user units (pixels).

use super::{layer_macc, text::thousands};
use crate::ir::{Graph, ShapeDisplay, TensorId};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// Width of a box.
const BOX_W: f32 = 240.0;
/// Height of a box.
const BOX_H: f32 = 64.0;
const GAP_X: f32 = 40.0;
const GAP_Y: f32 = 48.0;
const MARGIN: f32 = 20.0;
const TITLE_H: f32 = 30.0;

/// What a box stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewNodeKind {
    /// A graph input.
    Input,
    /// A layer (IR node).
    Layer,
    /// A graph output.
    Output,
}

/// One box of the picture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewNode {
    /// Input, layer or output.
    pub kind: ViewNodeKind,
    /// Node or tensor name.
    pub name: String,
    /// Operator name (`input` / `output` for graph inputs and outputs).
    pub op: String,
    /// Shape of the (first) output.
    pub shape: Vec<usize>,
    /// Multiply-accumulates of the layer.
    pub macc: u64,
    /// Source operators merged into this layer.
    pub fused: Vec<String>,
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

/// One arrow: a tensor flowing from one box to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewEdge {
    /// Index of the source box in [`GraphView::nodes`].
    pub from: usize,
    /// Index of the destination box.
    pub to: usize,
    /// Tensor name.
    pub tensor: String,
    /// Tensor size in bytes.
    pub bytes: u64,
}

/// A laid-out graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphView {
    /// Caption, e.g. "original: 31 layers".
    pub title: String,
    /// Left edge of the picture (non-zero when placed next to another).
    pub x: f32,
    /// Width of the picture.
    pub width: f32,
    /// Height of the picture.
    pub height: f32,
    /// Boxes.
    pub nodes: Vec<ViewNode>,
    /// Arrows.
    pub edges: Vec<ViewEdge>,
}

/// Lays out `graph` with its caption; the picture starts at `x0`.
pub fn layout(graph: &Graph, title: &str, x0: f32) -> GraphView {
    let mut nodes = Vec::new();
    let mut layers = Vec::new();
    // Box index that produces each tensor (graph inputs and layers).
    let mut producer_box: Vec<Option<usize>> = vec![None; graph.tensors.len()];
    let box_for = |producer_box: &Vec<Option<usize>>, t: TensorId| {
        producer_box.get(t.index()).copied().flatten()
    };
    let mut edges = Vec::new();
    for &t in &graph.inputs {
        let tensor = graph.tensor(t);
        producer_box[t.index()] = Some(nodes.len());
        layers.push(0usize);
        nodes.push(view_node(
            ViewNodeKind::Input,
            &tensor.name,
            "input",
            &tensor.ty.shape,
            0,
            &[],
        ));
    }
    for id in graph.node_ids() {
        let node = graph.node(id);
        let shape = node
            .output()
            .map(|t| graph.tensor(t).ty.shape.clone())
            .unwrap_or_default();
        let this = nodes.len();
        let mut layer = 1;
        for &t in node.inputs.iter().flatten() {
            if let Some(from) = box_for(&producer_box, t) {
                layer = layer.max(layers[from] + 1);
                let tensor = graph.tensor(t);
                edges.push(ViewEdge {
                    from,
                    to: this,
                    tensor: tensor.name.clone(),
                    bytes: tensor.ty.size_bytes() as u64,
                });
            }
        }
        for &t in &node.outputs {
            producer_box[t.index()] = Some(this);
        }
        layers.push(layer);
        let macc = layer_macc(graph, node);
        nodes.push(view_node(
            ViewNodeKind::Layer,
            &node.name,
            node.op.name(),
            &shape,
            macc,
            &node.fused,
        ));
    }
    for &t in &graph.outputs {
        let tensor = graph.tensor(t);
        let this = nodes.len();
        let from = box_for(&producer_box, t);
        layers.push(from.map_or(1, |f| layers[f] + 1));
        nodes.push(view_node(
            ViewNodeKind::Output,
            &tensor.name,
            "output",
            &tensor.ty.shape,
            0,
            &[],
        ));
        if let Some(from) = from {
            edges.push(ViewEdge {
                from,
                to: this,
                tensor: tensor.name.clone(),
                bytes: tensor.ty.size_bytes() as u64,
            });
        }
    }
    let depth = layers.iter().max().map_or(0, |d| d + 1);
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (i, &l) in layers.iter().enumerate() {
        rows[l].push(i);
    }
    let widest = rows.iter().map(Vec::len).max().unwrap_or(0) as f32;
    let width = 2.0 * MARGIN + widest * BOX_W + (widest - 1.0).max(0.0) * GAP_X;
    for (r, row) in rows.iter().enumerate() {
        let n = row.len() as f32;
        let row_w = n * BOX_W + (n - 1.0).max(0.0) * GAP_X;
        let left = x0 + (width - row_w) / 2.0;
        for (c, &i) in row.iter().enumerate() {
            nodes[i].x = left + c as f32 * (BOX_W + GAP_X);
            nodes[i].y = TITLE_H + MARGIN + r as f32 * (BOX_H + GAP_Y);
        }
    }
    let height =
        TITLE_H + 2.0 * MARGIN + depth as f32 * BOX_H + (depth as f32 - 1.0).max(0.0) * GAP_Y;
    GraphView {
        title: title.to_string(),
        x: x0,
        width,
        height,
        nodes,
        edges,
    }
}

fn view_node(
    kind: ViewNodeKind,
    name: &str,
    op: &str,
    shape: &[usize],
    macc: u64,
    fused: &[String],
) -> ViewNode {
    ViewNode {
        kind,
        name: name.to_string(),
        op: op.to_string(),
        shape: shape.to_vec(),
        macc,
        fused: fused.to_vec(),
        x: 0.0,
        y: 0.0,
        w: BOX_W,
        h: BOX_H,
    }
}

/// The original and the optimized graph side by side (original left).
pub fn compare(original: &Graph, optimized: &Graph) -> Vec<GraphView> {
    let left = layout(
        original,
        &format!("original: {} layers", original.nodes.len()),
        0.0,
    );
    let right = layout(
        optimized,
        &format!("optimized: {} layers", optimized.nodes.len()),
        left.width + GAP_X,
    );
    vec![left, right]
}

/// Shortens `s` to at most `max` characters, keeping its end (where TFLite names say what the layer is).
fn shorten(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        s.to_string()
    } else {
        format!("…{}", s.chars().skip(n - (max - 1)).collect::<String>())
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The text lines of a box.
fn box_lines(n: &ViewNode) -> Vec<String> {
    let mut lines = vec![n.op.clone(), shorten(&n.name, 30)];
    let shape = ShapeDisplay(&n.shape).to_string();
    match n.kind {
        ViewNodeKind::Layer => lines.push(format!("{shape}  {} MACC", thousands(n.macc))),
        _ => lines.push(shape),
    }
    if !n.fused.is_empty() {
        lines[0] = format!("{}  (+{} fused)", n.op, n.fused.len());
    }
    lines
}

/// Renders the views as one standalone SVG document (our own small writer; no dependencies).
pub fn to_svg(views: &[GraphView]) -> String {
    let width = views.iter().map(|v| v.x + v.width).fold(0.0f32, f32::max);
    let height = views.iter().map(|v| v.height).fold(0.0f32, f32::max);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        s,
        r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>"##
    );
    for v in views {
        let _ = writeln!(s, "<g>");
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" font-size="16" font-weight="bold">{}</text>"#,
            v.x + MARGIN,
            TITLE_H - 8.0,
            xml_escape(&v.title)
        );
        for e in &v.edges {
            let (a, b) = (&v.nodes[e.from], &v.nodes[e.to]);
            let (x1, y1, x2, y2) = (a.x + a.w / 2.0, a.y + a.h, b.x + b.w / 2.0, b.y);
            let _ = writeln!(
                s,
                r##"<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#555" marker-end="url(#arrow)"/>"##
            );
            let _ = writeln!(
                s,
                r##"<text x="{}" y="{}" font-size="10" fill="#333">{} B</text>"##,
                (x1 + x2) / 2.0 + 4.0,
                (y1 + y2) / 2.0 + 4.0,
                thousands(e.bytes)
            );
        }
        for n in &v.nodes {
            let fill = match (n.kind, n.fused.is_empty()) {
                (ViewNodeKind::Layer, true) => "#e8f0fe",
                (ViewNodeKind::Layer, false) => "#d7f5dd",
                _ => "#f3f3f3",
            };
            let _ = writeln!(s, "<g>");
            let mut tip = xml_escape(&n.name);
            for f in &n.fused {
                tip += &format!("\nfused: {}", xml_escape(f));
            }
            let _ = writeln!(s, "<title>{tip}</title>");
            let _ = writeln!(
                s,
                r##"<rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="{fill}" stroke="#333"/>"##,
                n.x, n.y, n.w, n.h
            );
            for (i, line) in box_lines(n).iter().enumerate() {
                let weight = if i == 0 { r#" font-weight="bold""# } else { "" };
                let _ = writeln!(
                    s,
                    r#"<text x="{}" y="{}"{weight}>{}</text>"#,
                    n.x + 8.0,
                    n.y + 18.0 + 17.0 * i as f32,
                    xml_escape(line)
                );
            }
            let _ = writeln!(s, "</g>");
        }
        let _ = writeln!(s, "</g>");
    }
    s.push_str("</svg>\n");
    s
}

/// Renders the views as a Graphviz DOT digraph, one cluster per view.
pub fn to_dot(views: &[GraphView]) -> String {
    let mut s = String::from(
        "digraph nncube {\n  node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\"];\n",
    );
    for (vi, v) in views.iter().enumerate() {
        let _ = writeln!(
            s,
            "  subgraph cluster_{vi} {{\n    label=\"{}\";",
            dot_escape(&v.title)
        );
        for (ni, n) in v.nodes.iter().enumerate() {
            let mut label = box_lines(n)
                .iter()
                .map(|l| dot_escape(l))
                .collect::<Vec<_>>()
                .join("\\n");
            for f in &n.fused {
                label += &format!("\\nfused: {}", dot_escape(f));
            }
            let fill = if n.fused.is_empty() {
                "#e8f0fe"
            } else {
                "#d7f5dd"
            };
            let _ = writeln!(
                s,
                "    v{vi}_{ni} [label=\"{label}\", fillcolor=\"{fill}\"];"
            );
        }
        for e in &v.edges {
            let _ = writeln!(
                s,
                "    v{vi}_{} -> v{vi}_{} [label=\"{} B\"];",
                e.from,
                e.to,
                thousands(e.bytes)
            );
        }
        s.push_str("  }\n");
    }
    s.push_str("}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Activation, DType, Op, TensorType};

    /// x → relu → (a, b) → add → output: a diamond, so two boxes share a row.
    fn diamond() -> Graph {
        let mut g = Graph::new("diamond");
        let ty = || TensorType::new(DType::F32, vec![1, 4]);
        let x = g.add_tensor("x", ty());
        g.inputs.push(x);
        let r = g.add_tensor("r", ty());
        g.add_node("relu", Op::Relu, vec![Some(x)], vec![r]);
        let a = g.add_tensor("a", ty());
        g.add_node("tanh", Op::Tanh, vec![Some(r)], vec![a]);
        let b = g.add_tensor("b", ty());
        g.add_node("logistic", Op::Logistic, vec![Some(r)], vec![b]);
        let y = g.add_tensor("y", ty());
        g.add_node(
            "add",
            Op::Add {
                activation: Activation::None,
            },
            vec![Some(a), Some(b)],
            vec![y],
        );
        g.outputs.push(y);
        g
    }

    #[test]
    fn layers_follow_dependencies_and_boxes_do_not_overlap() {
        let v = layout(&diamond(), "diamond", 0.0);
        assert_eq!(v.nodes.len(), 6);
        assert_eq!(v.edges.len(), 6);
        for e in &v.edges {
            assert!(
                v.nodes[e.from].y < v.nodes[e.to].y,
                "edges point down: {e:?}"
            );
            assert_eq!(e.bytes, 16);
        }
        let (tanh, logistic) = (&v.nodes[2], &v.nodes[3]);
        assert_eq!(tanh.y, logistic.y, "siblings share a row");
        assert!(tanh.x + tanh.w <= logistic.x, "siblings do not overlap");
        for n in &v.nodes {
            assert!(
                n.x >= 0.0 && n.x + n.w <= v.width && n.y + n.h <= v.height,
                "{n:?} inside the picture"
            );
        }
    }

    #[test]
    fn compare_places_views_side_by_side_and_writers_are_deterministic() {
        let g = diamond();
        let views = compare(&g, &g);
        assert_eq!(views[1].x, views[0].width + GAP_X);
        assert!(views[1].nodes.iter().all(|n| n.x >= views[1].x));
        let svg = to_svg(&views);
        assert_eq!(svg, to_svg(&compare(&g, &g)));
        assert_eq!(svg.matches("<rect").count(), 12);
        let dot = to_dot(&views);
        assert_eq!(dot.matches(" -> ").count(), 12);
        assert!(
            dot.contains("v1_2 [label=\"tanh\\ntanh\\n[1,4]  4 MACC\""),
            "{dot}"
        );
    }

    #[test]
    fn text_is_escaped() {
        let mut g = diamond();
        g.nodes[0].name = "a<b>&\"c\"".into();
        let svg = to_svg(&[layout(&g, "t", 0.0)]);
        assert!(svg.contains("a&lt;b&gt;&amp;&quot;c&quot;"), "{svg}");
        let dot = to_dot(&[layout(&g, "t", 0.0)]);
        assert!(dot.contains("a<b>&\\\"c\\\""), "{dot}");
    }
}
