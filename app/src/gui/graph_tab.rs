//! The Graph tab: the optimized (fused) graph or the imported one, laid out by
//! [`nncube_core::report::graph_view`] (the layout `nncube analyze --graph` writes as SVG), with scroll/drag to
//! pan, ctrl+wheel or the zoom buttons to zoom, and the details of the clicked layer: shapes, quantization and
//! the source operators fused into it.
//!
//! Only the boxes inside the visible area become widgets, so large graphs stay cheap to draw.

use super::format;
use super::model::{Analysis, LoadedModel};
use egui::{Rect, Stroke, vec2};
use nncube_core::ir::{Graph, NodeId, Quant, TensorId};
use nncube_core::memplan::MemoryPlan;
use nncube_core::report::graph_view::{GraphView as Layout, ViewNode, ViewNodeKind};

/// Zoom limits.
const ZOOM_RANGE: std::ops::RangeInclusive<f32> = 0.1..=2.0;

/// Which graph is shown, the zoom and the selected layer.
#[derive(Debug)]
pub struct GraphView {
    /// Show the optimized graph (true) or the imported one.
    pub optimized: bool,
    /// Scale from layout units to points.
    pub zoom: f32,
    /// The clicked layer of the shown graph.
    pub selected: Option<NodeId>,
}

impl Default for GraphView {
    fn default() -> Self {
        Self {
            optimized: true,
            zoom: 0.8,
            selected: None,
        }
    }
}

/// The text of a box: operator (and how many source operators it fused), shape, name, MACC.
pub fn box_text(n: &ViewNode) -> String {
    match n.kind {
        ViewNodeKind::Input | ViewNodeKind::Output => format!(
            "{}\n{}\n{}",
            n.op,
            format::short_name(&n.name, 30),
            format::shape(&n.shape)
        ),
        ViewNodeKind::Layer => {
            let fused = if n.fused.is_empty() {
                String::new()
            } else {
                format!("  (+{} fused)", n.fused.len())
            };
            format!(
                "{}  {}{fused}\n{}\n{} MACC",
                n.op,
                format::shape(&n.shape),
                format::short_name(&n.name, 30),
                format::count(n.macc)
            )
        }
    }
}

/// The layer a layout box stands for (boxes are graph inputs, then layers in schedule order, then outputs).
fn layer_of(graph: &Graph, index: usize, node: &ViewNode) -> Option<NodeId> {
    (node.kind == ViewNodeKind::Layer)
        .then(|| index.checked_sub(graph.inputs.len()))
        .flatten()
        .filter(|&i| i < graph.nodes.len())
        .map(|i| NodeId(i as u32))
}

/// Draws the tab.
pub fn show(ui: &mut egui::Ui, view: &mut GraphView, model: &LoadedModel, analysis: &Analysis) {
    let (graph, layout) = if view.optimized {
        (&model.graph, &model.optimized_view)
    } else {
        (&model.original, &model.original_view)
    };
    egui::Panel::right("layer_details")
        .resizable(true)
        .default_size(330.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                details_ui(graph, view, model, analysis, ui);
            });
        });
    ui.horizontal_wrapped(|ui| {
        let before = view.optimized;
        ui.selectable_value(
            &mut view.optimized,
            true,
            format!("Fused ({} layers)", model.graph.nodes.len()),
        );
        ui.selectable_value(
            &mut view.optimized,
            false,
            format!("Original ({} layers)", model.original.nodes.len()),
        );
        if before != view.optimized {
            view.selected = None;
        }
        ui.separator();
        if ui.button("-").on_hover_text("Zoom out").clicked() {
            view.zoom = (view.zoom / 1.25).max(*ZOOM_RANGE.start());
        }
        ui.label(format!("{:.0} %", view.zoom * 100.0));
        if ui.button("+").on_hover_text("Zoom in").clicked() {
            view.zoom = (view.zoom * 1.25).min(*ZOOM_RANGE.end());
        }
        if ui.button("Fit width").clicked() {
            view.zoom = (ui.available_width().max(200.0) / layout.width.max(1.0))
                .clamp(*ZOOM_RANGE.start(), *ZOOM_RANGE.end());
        }
        if ui.button("Fit all").clicked() {
            // The canvas is below this row and as wide as the central area.
            let avail = ui.max_rect().width().max(200.0) / layout.width.max(1.0);
            let below =
                (ui.ctx().content_rect().bottom() - ui.max_rect().bottom() - 30.0).max(100.0);
            view.zoom = avail
                .min(below / layout.height.max(1.0))
                .clamp(*ZOOM_RANGE.start(), *ZOOM_RANGE.end());
        }
        ui.weak("Drag or scroll to pan, ctrl+wheel to zoom, click a layer for details.");
    });
    let area = ui.available_rect_before_wrap();
    if ui.rect_contains_pointer(area) {
        let factor = ui.input(|i| i.zoom_delta());
        if factor != 1.0 {
            view.zoom = (view.zoom * factor).clamp(*ZOOM_RANGE.start(), *ZOOM_RANGE.end());
        }
    }
    let mut clicked = None;
    egui::ScrollArea::both().auto_shrink(false).show(ui, |ui| {
        clicked = canvas_ui(graph, layout, view, ui);
    });
    if clicked.is_some() {
        view.selected = clicked;
    }
}

/// Draws edges and the visible boxes; returns the clicked layer.
fn canvas_ui(
    graph: &Graph,
    layout: &Layout,
    view: &GraphView,
    ui: &mut egui::Ui,
) -> Option<NodeId> {
    let zoom = view.zoom;
    let size = vec2(layout.width, layout.height) * zoom;
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    let origin = rect.min - vec2(layout.x, 0.0) * zoom;
    let to_screen =
        |n: &ViewNode| Rect::from_min_size(origin + vec2(n.x, n.y) * zoom, vec2(n.w, n.h) * zoom);
    let clip = ui.clip_rect();
    let painter = ui.painter();
    painter.text(
        rect.min + vec2(8.0, 4.0),
        egui::Align2::LEFT_TOP,
        &layout.title,
        egui::FontId::proportional(14.0),
        ui.visuals().strong_text_color(),
    );
    let stroke = Stroke::new(1.5, ui.visuals().weak_text_color());
    let font = egui::FontId::proportional((11.0 * zoom).max(6.0));
    for e in &layout.edges {
        let (Some(from), Some(to)) = (layout.nodes.get(e.from), layout.nodes.get(e.to)) else {
            continue;
        };
        let (a, b) = (to_screen(from).center_bottom(), to_screen(to).center_top());
        if !clip.intersects(Rect::from_two_pos(a, b).expand(2.0)) {
            continue;
        }
        painter.line_segment([a, b], stroke);
        painter.arrow(b - vec2(0.0, 8.0 * zoom), vec2(0.0, 8.0 * zoom), stroke);
        if zoom >= 0.5 {
            painter.text(
                a + (b - a) * 0.5 + vec2(6.0, 0.0),
                egui::Align2::LEFT_CENTER,
                format::bytes(e.bytes),
                font.clone(),
                ui.visuals().text_color(),
            );
        }
    }
    let mut clicked = None;
    for (i, n) in layout.nodes.iter().enumerate() {
        let r = to_screen(n);
        if !clip.intersects(r) {
            continue;
        }
        let layer = layer_of(graph, i, n);
        let selected = layer.is_some() && layer == view.selected;
        let button = egui::Button::new(egui::RichText::new(box_text(n)).size(12.0 * zoom))
            .selected(selected)
            .wrap_mode(egui::TextWrapMode::Extend);
        let button = match n.kind {
            ViewNodeKind::Layer if !n.fused.is_empty() => button.fill(
                ui.visuals()
                    .widgets
                    .inactive
                    .weak_bg_fill
                    .gamma_multiply(1.6),
            ),
            ViewNodeKind::Layer => button,
            _ => button.fill(ui.visuals().faint_bg_color),
        };
        let response = ui.put(r, button).on_hover_text(&n.name);
        if response.clicked() {
            clicked = layer;
        }
    }
    clicked
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

/// One tensor: name, shape, type, size, quantization and, for the optimized graph, where the plan puts it.
fn tensor_row_ui(graph: &Graph, t: TensorId, plan: Option<&MemoryPlan>, ui: &mut egui::Ui) {
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
    if let Some(plan) = plan.filter(|_| !tensor.is_const()) {
        match plan.location(t) {
            Some((pool, offset)) => ui.weak(format!(
                "activation buffer: pool {}, offset {offset} B",
                plan.pools.get(pool).map_or("?", |p| p.name.as_str())
            )),
            None => ui.weak("buffer owned by the application (not in the activation buffer)"),
        };
    }
    ui.add_space(4.0);
}

fn details_ui(
    graph: &Graph,
    view: &GraphView,
    model: &LoadedModel,
    analysis: &Analysis,
    ui: &mut egui::Ui,
) {
    let Some(id) = view.selected.filter(|n| n.index() < graph.nodes.len()) else {
        ui.heading("Layer details");
        ui.label("Click a layer in the graph.");
        ui.separator();
        ui.strong("Optimization");
        ui.label(format!(
            "{} layers imported, {} after optimization",
            model.original.nodes.len(),
            model.graph.nodes.len()
        ));
        for run in model.pipeline.runs.iter().filter(|r| r.outcome.changed) {
            ui.label(format!("{}: {}", run.pass, run.outcome.stats.join("; ")));
        }
        for note in &model.pipeline.notes {
            ui.weak(format!("note: {note}"));
        }
        return;
    };
    let node = graph.node(id);
    ui.heading(format!("Layer {}", id.index()));
    ui.label(egui::RichText::new(&node.name).monospace());
    ui.label(format!("op: {}", node.op));
    if view.optimized {
        if let Some(l) = analysis.report.layers.get(id.index()) {
            ui.label(format!("MACC: {}", format::count(l.macc)));
            ui.label(format!(
                "weights: {} ({} params)",
                format::bytes(l.weights_bytes),
                format::count(l.params)
            ));
        }
    } else {
        ui.label(format!(
            "MACC: {}",
            format::count(nncube_core::report::layer_macc(graph, node))
        ));
    }
    ui.separator();
    ui.strong("Inputs");
    let plan = view.optimized.then_some(&analysis.plan);
    for t in node.inputs.iter().flatten() {
        tensor_row_ui(graph, *t, plan, ui);
    }
    ui.strong("Outputs");
    for t in &node.outputs {
        tensor_row_ui(graph, *t, plan, ui);
    }
    ui.separator();
    ui.strong("Fused operators");
    if node.fused.is_empty() {
        ui.label(if view.optimized {
            "none: nothing was fused into this layer"
        } else {
            "none: this is the imported graph (switch to Fused to see the optimizer's fusions)"
        });
    } else {
        for f in &node.fused {
            ui.label(f);
        }
    }
}
