//! The Graph tab: the network as boxes and edges (pan with drag, zoom with ctrl+wheel), and the details of the
//! clicked layer: shapes, quantization, fused operators.
//!
//! It shows the imported (unoptimized) graph; once the optimizer lands, the optimized graph is drawn the same way.

use super::format;
use super::graph_layout::{BoxKind, GraphLayout};
use super::model::{Analysis, LoadedModel};
use egui::{Rect, Stroke};
use nncube_core::ir::{Graph, NodeId, Quant, TensorId};
use nncube_core::report::LayerReport;

/// Pan/zoom state and the selected layer.
#[derive(Debug, Default)]
pub struct GraphView {
    /// The visible part of the scene; reset to the whole graph when empty.
    pub scene_rect: Option<Rect>,
    /// The clicked layer.
    pub selected: Option<NodeId>,
}

fn box_text(graph: &Graph, kind: BoxKind, layers: &[LayerReport]) -> String {
    match kind {
        BoxKind::Input(t) | BoxKind::Output(t) => {
            let tensor = graph.tensor(t);
            let what = if matches!(kind, BoxKind::Input(_)) {
                "input"
            } else {
                "output"
            };
            format!(
                "{what}\n{}\n{} {}",
                format::ellipsis_start(&tensor.name, 30),
                format::shape(&tensor.ty.shape),
                tensor.ty.dtype
            )
        }
        BoxKind::Layer(n) => {
            let node = graph.node(n);
            let shape = node
                .output()
                .map(|t| format::shape(&graph.tensor(t).ty.shape))
                .unwrap_or_default();
            let macc = layers.get(n.index()).map_or(0, |l| l.macc);
            format!(
                "{}  {}\n{}\n{} MACC",
                node.op.name(),
                shape,
                format::ellipsis_start(&node.name, 30),
                format::count(macc)
            )
        }
    }
}

/// Draws the tab.
pub fn show(ui: &mut egui::Ui, view: &mut GraphView, model: &LoadedModel, analysis: &Analysis) {
    let layout = &model.layout;
    egui::Panel::right("layer_details")
        .resizable(true)
        .default_size(320.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                details(ui, &model.graph, view.selected, &analysis.report.layers)
            });
        });
    ui.horizontal(|ui| {
        ui.weak("Imported graph (before optimization). Drag to pan, ctrl+wheel to zoom, click a layer for details.");
        if ui.button("Fit").clicked() {
            view.scene_rect = Some(layout.bounds);
        }
    });
    let mut scene_rect = view
        .scene_rect
        .unwrap_or_else(|| top_view(layout.bounds, ui.available_size()));
    let mut clicked = None;
    egui::Scene::new()
        .sense(egui::Sense::drag())
        .zoom_range(0.05..=2.0)
        .show(ui, &mut scene_rect, |ui| {
            draw_edges(ui, layout);
            for b in &layout.boxes {
                let text = box_text(&model.graph, b.kind, &analysis.report.layers);
                let selected = matches!(b.kind, BoxKind::Layer(n) if Some(n) == view.selected);
                let button = egui::Button::new(egui::RichText::new(text).size(12.0))
                    .selected(selected)
                    .wrap_mode(egui::TextWrapMode::Extend);
                let button = match b.kind {
                    BoxKind::Layer(_) => button,
                    _ => button.fill(ui.visuals().faint_bg_color),
                };
                let response = ui.put(b.rect, button);
                match b.kind {
                    BoxKind::Layer(n) if response.clicked() => clicked = Some(n),
                    _ => {}
                }
            }
        });
    view.scene_rect = Some(scene_rect);
    if clicked.is_some() {
        view.selected = clicked;
    }
}

/// The first view: the top of the graph at natural size (smaller when the graph is wider than the view).
fn top_view(bounds: Rect, available: egui::Vec2) -> Rect {
    let zoom = (available.x / bounds.width()).clamp(0.05, 1.0);
    let size = available / zoom;
    Rect::from_min_size(
        egui::pos2(bounds.center().x - size.x / 2.0, bounds.min.y),
        size,
    )
}

fn draw_edges(ui: &egui::Ui, layout: &GraphLayout) {
    let painter = ui.painter();
    let stroke = Stroke::new(1.5, ui.visuals().weak_text_color());
    for e in &layout.edges {
        let (Some(from), Some(to)) = (layout.boxes.get(e.from), layout.boxes.get(e.to)) else {
            continue;
        };
        let (a, b) = (from.rect.center_bottom(), to.rect.center_top());
        painter.line_segment([a, b], stroke);
        painter.arrow(b - egui::vec2(0.0, 8.0), egui::vec2(0.0, 8.0), stroke);
        painter.text(
            a + (b - a) * 0.5 + egui::vec2(6.0, 0.0),
            egui::Align2::LEFT_CENTER,
            format::bytes(e.bytes),
            egui::FontId::proportional(11.0),
            ui.visuals().text_color(),
        );
    }
}

fn quant_text(q: &Option<Quant>) -> String {
    match q {
        None => "not quantized".to_string(),
        Some(Quant::PerTensor { scale, zero_point }) => {
            format!("scale {scale:.6}, zero point {zero_point}")
        }
        Some(Quant::PerChannel { scales, axis, .. }) => {
            let (lo, hi) = scales
                .iter()
                .fold((f32::MAX, f32::MIN), |(lo, hi), &s| (lo.min(s), hi.max(s)));
            format!(
                "per channel (axis {axis}, {} scales {lo:.6} … {hi:.6})",
                scales.len()
            )
        }
    }
}

fn tensor_row(ui: &mut egui::Ui, graph: &Graph, t: TensorId) {
    let tensor = graph.tensor(t);
    let kind = if tensor.is_const() {
        "constant"
    } else {
        "activation"
    };
    ui.label(egui::RichText::new(&tensor.name).monospace());
    ui.label(format!(
        "{} {} ({}), {kind}",
        format::shape(&tensor.ty.shape),
        tensor.ty.dtype,
        format::bytes(tensor.ty.size_bytes() as u64)
    ));
    ui.weak(quant_text(&tensor.ty.quant));
    ui.add_space(4.0);
}

fn details(ui: &mut egui::Ui, graph: &Graph, selected: Option<NodeId>, layers: &[LayerReport]) {
    let Some(id) = selected.filter(|n| n.index() < graph.nodes.len()) else {
        ui.heading("Layer details");
        ui.label("Click a layer in the graph.");
        return;
    };
    let node = graph.node(id);
    ui.heading(format!("Layer {}", id.index()));
    ui.label(egui::RichText::new(&node.name).monospace());
    ui.label(format!("op: {}", node.op));
    if let Some(l) = layers.get(id.index()) {
        ui.label(format!("MACC: {}", format::count(l.macc)));
        ui.label(format!(
            "weights: {} ({} params)",
            format::bytes(l.weights_bytes),
            format::count(l.params)
        ));
    }
    ui.separator();
    ui.strong("Inputs");
    for t in node.inputs.iter().flatten() {
        tensor_row(ui, graph, *t);
    }
    ui.strong("Outputs");
    for t in &node.outputs {
        tensor_row(ui, graph, *t);
    }
    ui.separator();
    ui.strong("Fused operators");
    if node.fused.is_empty() {
        ui.label("none: this is the imported graph; fusions appear once the optimizer runs");
    } else {
        for f in &node.fused {
            ui.label(f);
        }
    }
}
