//! The Memory tab: activation bytes alive at each step of the schedule, and which tensors hold them.
//!
//! Until the memory planner lands this is the liveness of the imported graph (see [`super::liveness`]), and the
//! tab says so; the planner's buffer timeline replaces it then.

use super::format;
use super::model::{Analysis, LoadedModel};
use egui::{Color32, Sense, Stroke, pos2, vec2};

/// The selected step.
#[derive(Debug, Default)]
pub struct MemoryView {
    /// The clicked step (defaults to the peak).
    pub selected_step: Option<usize>,
}

/// Draws the tab.
pub fn show(ui: &mut egui::Ui, view: &mut MemoryView, model: &LoadedModel, analysis: &Analysis) {
    let t = &analysis.timeline;
    let (peak, peak_step) = t.peak();
    ui.label(
        "What is shown: the bytes of the activation tensors alive at each step of the imported (unoptimized) schedule, \
         each rounded up to the alignment. This is a liveness estimate, not a memory plan: the memory planner will \
         replace it with the real buffer layout.",
    );
    ui.horizontal(|ui| {
        ui.strong(format!("Peak: {} at step {peak_step}", format::bytes(peak)));
        if let Some(node) = model.graph.nodes.get(peak_step) {
            ui.label(format!(
                "({} `{}`)",
                node.op.name(),
                format::ellipsis_start(&node.name, 60)
            ));
        }
    });
    let steps = t.live_bytes.len();
    if steps == 0 {
        ui.label("The graph has no layers.");
        return;
    }
    let height = 220.0;
    let (rect, response) =
        ui.allocate_exact_size(vec2(ui.available_width(), height), Sense::click());
    let painter = ui.painter_at(rect);
    painter.rect_stroke(
        rect,
        2.0,
        Stroke::new(1.0, ui.visuals().weak_text_color()),
        egui::StrokeKind::Inside,
    );
    let plot = rect.shrink2(vec2(8.0, 18.0));
    let scale = if peak == 0 {
        0.0
    } else {
        plot.height() / peak as f32
    };
    let bar_w = plot.width() / steps as f32;
    let selected = view
        .selected_step
        .filter(|&s| s < steps)
        .unwrap_or(peak_step);
    let hover_step = response
        .hover_pos()
        .map(|p| (((p.x - plot.left()) / bar_w).floor().max(0.0) as usize).min(steps - 1));
    for (s, &b) in t.live_bytes.iter().enumerate() {
        let x0 = plot.left() + s as f32 * bar_w;
        let top = plot.bottom() - b as f32 * scale;
        let color = if s == selected {
            ui.visuals().selection.bg_fill
        } else if b == peak {
            Color32::from_rgb(220, 110, 60)
        } else if Some(s) == hover_step {
            ui.visuals().widgets.hovered.bg_fill
        } else {
            Color32::from_rgb(90, 140, 200)
        };
        let bar = egui::Rect::from_min_max(
            pos2(x0 + bar_w * 0.1, top),
            pos2(x0 + bar_w * 0.9, plot.bottom()),
        );
        painter.rect_filled(bar, 0.0, color);
    }
    let text_color = ui.visuals().text_color();
    painter.text(
        rect.left_top() + vec2(4.0, 2.0),
        egui::Align2::LEFT_TOP,
        format::bytes(peak),
        egui::FontId::proportional(11.0),
        text_color,
    );
    painter.text(
        rect.left_bottom() + vec2(4.0, -2.0),
        egui::Align2::LEFT_BOTTOM,
        "step 0",
        egui::FontId::proportional(11.0),
        text_color,
    );
    painter.text(
        rect.right_bottom() + vec2(-4.0, -2.0),
        egui::Align2::RIGHT_BOTTOM,
        format!("step {}", steps - 1),
        egui::FontId::proportional(11.0),
        text_color,
    );
    if let Some(s) = hover_step {
        let node = &model.graph.nodes[s];
        response.clone().on_hover_text(format!(
            "step {s}: {} `{}`\n{} live",
            node.op.name(),
            node.name,
            format::bytes(t.live_bytes[s])
        ));
    }
    if response.clicked() {
        view.selected_step = hover_step;
    }

    ui.add_space(8.0);
    let node = &model.graph.nodes[selected];
    ui.strong(format!(
        "Step {selected}: {} `{}`, {} live",
        node.op.name(),
        format::ellipsis_start(&node.name, 60),
        format::bytes(t.live_bytes[selected])
    ));
    egui::ScrollArea::vertical().show(ui, |ui| {
        egui::Grid::new("live_tensors")
            .striped(true)
            .show(ui, |ui| {
                ui.strong("Tensor");
                ui.strong("Bytes");
                ui.strong("Alive during steps");
                ui.end_row();
                for l in t.live_at(selected) {
                    let name = &model.graph.tensor(l.tensor).name;
                    ui.label(format::ellipsis_start(name, 70))
                        .on_hover_text(name);
                    ui.label(format::bytes(l.bytes));
                    ui.label(format!("{} – {}", l.first, l.last));
                    ui.end_row();
                }
            });
    });
}
