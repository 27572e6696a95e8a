//! The Memory tab: the memory planner's overlap timeline (the chart `nncube analyze --memory` draws). One lane
//! per memory pool of the plan (with a board chosen, its RAM regions; pools the plan leaves empty get a line); in
//! each, one rectangle per buffer (x: the execution steps it is alive, y: its
//! offset and size in the pool). Hovering a rectangle names the tensor, its size, offset and lifetime. A gauge
//! marks the planned peak against the planner's two lower bounds (no overlap, full kernel overlap).

use super::format;
use super::model::{Analysis, LoadedModel};
use egui::{Color32, Rect, Sense, Stroke, pos2, vec2};
use nncube_core::memplan::timeline::{PoolBand, TimelineRect, buffer_rgb};

/// Height of all pool lanes together, in points, and the least height of one lane.
const LANES_HEIGHT: f32 = 220.0;
const MIN_LANE_HEIGHT: f32 = 90.0;

/// The Memory tab's view state.
#[derive(Debug, Default)]
pub struct MemoryView {
    /// The clicked buffer (index into the timeline's rectangles).
    pub selected: Option<usize>,
}

/// The hover text of a buffer.
fn buffer_text(r: &TimelineRect, pool: &PoolBand) -> String {
    format!(
        "{}\n{} ({})\npool {}: offset {} B, size {}\nalive steps {} – {}",
        r.tensor_name,
        r.label,
        format::bytes(r.y1 - r.y0),
        pool.name,
        r.y0 - pool.base,
        format::bytes(r.y1 - r.y0),
        r.x0,
        r.x1.saturating_sub(1)
    )
}

/// Draws the tab.
pub fn show(ui: &mut egui::Ui, view: &mut MemoryView, model: &LoadedModel, analysis: &Analysis) {
    let t = &analysis.timeline;
    ui.horizontal_wrapped(|ui| {
        ui.strong(format!("Peak: {}", format::bytes(t.peak_bytes)));
        ui.label(format!(
            "lower bounds: {} without overlap, {} with full kernel overlap",
            format::bytes(t.no_overlap_bound),
            format::bytes(t.full_overlap_bound)
        ));
        ui.weak(format!(
            "{} buffers over {} steps of the optimized graph, {} pool(s)",
            t.rects.len(),
            model.graph.nodes.len(),
            t.pools.len()
        ));
    });
    bounds_gauge_ui(t.peak_bytes, t.no_overlap_bound, t.full_overlap_bound, ui);
    ui.add_space(4.0);
    let mut hovered = None;
    // Pools the plan leaves empty get a line, not a lane.
    let used = t.pools.iter().filter(|p| p.used_bytes > 0).count().max(1);
    let lane_height = (LANES_HEIGHT / used as f32).max(MIN_LANE_HEIGHT);
    for (p, pool) in t.pools.iter().enumerate() {
        let capacity = pool
            .size_bytes
            .map(|s| format!(" of {}", format::bytes(s)))
            .unwrap_or_default();
        ui.label(format!(
            "Pool {}: {} used{capacity}",
            pool.name,
            format::bytes(pool.used_bytes)
        ));
        if pool.used_bytes == 0 && t.pools.len() > 1 {
            continue;
        }
        if let Some(h) = lane_ui(t, p, pool, view.selected, lane_height, ui) {
            hovered = Some(h);
        }
    }
    if let Some(i) = hovered
        && ui.input(|i| i.pointer.primary_clicked())
    {
        view.selected = Some(i);
    }
    ui.add_space(6.0);
    match view.selected.and_then(|i| t.rects.get(i)) {
        Some(r) => {
            let pool = &t.pools[r.pool.min(t.pools.len().saturating_sub(1))];
            ui.label(buffer_text(r, pool));
        }
        None => {
            ui.weak(
                "Hover a buffer for its tensor, size, offset and lifetime; click to keep it here.",
            );
        }
    }
    ui.separator();
    buffer_table_ui(t, view, ui);
}

/// A horizontal gauge: the full-overlap bound, the planned peak and the no-overlap bound on one byte axis.
fn bounds_gauge_ui(peak: u64, no_overlap: u64, full_overlap: u64, ui: &mut egui::Ui) {
    let (rect, _) = ui.allocate_exact_size(vec2(ui.available_width(), 34.0), Sense::hover());
    let painter = ui.painter_at(rect);
    let bar = Rect::from_min_max(
        rect.min + vec2(0.0, 4.0),
        pos2(rect.max.x, rect.min.y + 16.0),
    );
    let max = peak.max(no_overlap).max(1) as f32;
    let x = |b: u64| bar.left() + bar.width() * (b as f32 / max);
    painter.rect_filled(bar, 2.0, ui.visuals().extreme_bg_color);
    painter.rect_filled(
        Rect::from_min_max(bar.min, pos2(x(peak), bar.max.y)),
        2.0,
        Color32::from_rgb(90, 140, 200),
    );
    let text = ui.visuals().text_color();
    for (bytes, label, color, align) in [
        (
            full_overlap,
            "full-overlap bound",
            Color32::from_rgb(60, 170, 90),
            egui::Align2::LEFT_TOP,
        ),
        (
            peak,
            "peak",
            Color32::from_rgb(220, 110, 60),
            egui::Align2::CENTER_TOP,
        ),
        (
            no_overlap,
            "no-overlap bound",
            Color32::from_rgb(200, 60, 60),
            egui::Align2::RIGHT_TOP,
        ),
    ] {
        let xb = x(bytes);
        painter.line_segment(
            [pos2(xb, bar.top() - 3.0), pos2(xb, bar.bottom() + 3.0)],
            Stroke::new(2.0, color),
        );
        painter.text(
            pos2(xb, bar.bottom() + 3.0),
            align,
            format!("{label} {}", format::bytes(bytes)),
            egui::FontId::proportional(11.0),
            text,
        );
    }
}

/// Draws pool `p`'s lane; returns the hovered rectangle's index.
fn lane_ui(
    t: &nncube_core::memplan::Timeline,
    p: usize,
    pool: &PoolBand,
    selected: Option<usize>,
    height: f32,
    ui: &mut egui::Ui,
) -> Option<usize> {
    let (rect, response) =
        ui.allocate_exact_size(vec2(ui.available_width(), height), Sense::hover());
    let painter = ui.painter_at(rect);
    let weak = ui.visuals().weak_text_color();
    painter.rect_stroke(rect, 2.0, Stroke::new(1.0, weak), egui::StrokeKind::Inside);
    let plot = rect.shrink2(vec2(6.0, 6.0));
    // When this pool holds every buffer, its lane also shows the bounds, so the byte axis covers them.
    let single = t
        .pools
        .iter()
        .all(|q| q.used_bytes == 0 || std::ptr::eq(q, pool));
    let top_bytes = if single {
        pool.used_bytes.max(t.no_overlap_bound)
    } else {
        pool.used_bytes
    }
    .max(1) as f32
        // Headroom for the label above the top line.
        * 1.08;
    let steps = t.steps.max(1) as f32;
    let to_rect = |r: &TimelineRect| {
        let x0 = plot.left() + plot.width() * r.x0 as f32 / steps;
        let x1 = plot.left() + plot.width() * r.x1 as f32 / steps;
        let y0 = plot.bottom() - plot.height() * (r.y0 - pool.base) as f32 / top_bytes;
        let y1 = plot.bottom() - plot.height() * (r.y1 - pool.base) as f32 / top_bytes;
        Rect::from_min_max(pos2(x0, y1), pos2(x1, y0))
    };
    let pointer = response.hover_pos();
    let mut hovered = None;
    for (i, r) in t.rects.iter().enumerate().filter(|(_, r)| r.pool == p) {
        let screen = to_rect(r);
        let is_hovered = pointer.is_some_and(|pos| screen.contains(pos));
        if is_hovered {
            hovered = Some(i);
        }
        let fill = if Some(i) == selected || is_hovered {
            ui.visuals().selection.bg_fill
        } else {
            let [red, green, blue] = buffer_rgb(i);
            Color32::from_rgb(red, green, blue)
        };
        painter.rect_filled(screen, 1.0, fill);
        painter.rect_stroke(
            screen,
            1.0,
            Stroke::new(0.5, Color32::BLACK),
            egui::StrokeKind::Inside,
        );
    }
    let line = |bytes: u64, color: Color32, label: String| {
        let y = plot.bottom() - plot.height() * bytes as f32 / top_bytes;
        painter.hline(plot.x_range(), y, Stroke::new(1.5, color));
        painter.text(
            pos2(plot.right() - 4.0, y - 2.0),
            egui::Align2::RIGHT_BOTTOM,
            label,
            egui::FontId::proportional(11.0),
            color,
        );
    };
    line(
        pool.used_bytes,
        Color32::from_rgb(220, 110, 60),
        format!("peak {}", format::bytes(pool.used_bytes)),
    );
    if single {
        line(
            t.no_overlap_bound,
            Color32::from_rgb(200, 60, 60),
            format!("no-overlap bound {}", format::bytes(t.no_overlap_bound)),
        );
        line(
            t.full_overlap_bound,
            Color32::from_rgb(60, 170, 90),
            format!("full-overlap bound {}", format::bytes(t.full_overlap_bound)),
        );
    }
    if let Some(i) = hovered {
        response.on_hover_text(buffer_text(&t.rects[i], pool));
    }
    hovered
}

/// Every buffer, in plan order (virtualized rows: cheap for large models); clicking a row selects it.
fn buffer_table_ui(t: &nncube_core::memplan::Timeline, view: &mut MemoryView, ui: &mut egui::Ui) {
    use egui_extras::{Column, TableBuilder};
    let mut clicked = None;
    TableBuilder::new(ui)
        .striped(true)
        .resizable(true)
        .sense(Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::initial(300.0).at_least(80.0).clip(true))
        .column(Column::auto().at_least(110.0))
        .column(Column::auto().at_least(80.0))
        .column(Column::auto().at_least(80.0))
        .column(Column::auto().at_least(80.0))
        .column(Column::remainder().at_least(80.0))
        .header(20.0, |mut header| {
            for h in ["Tensor", "Producer", "Pool", "Offset", "Size", "Steps"] {
                header.col(|ui| {
                    ui.strong(h);
                });
            }
        })
        .body(|body| {
            body.rows(18.0, t.rects.len(), |mut row| {
                let i = row.index();
                let r = &t.rects[i];
                row.set_selected(Some(i) == view.selected);
                let base = t.pools.get(r.pool).map_or(0, |p| p.base);
                row.col(|ui| {
                    ui.label(format::short_name(&r.tensor_name, 50))
                        .on_hover_text(&r.tensor_name);
                });
                row.col(|ui| {
                    ui.label(&r.label);
                });
                row.col(|ui| {
                    ui.label(t.pools.get(r.pool).map_or("?", |p| p.name.as_str()));
                });
                row.col(|ui| {
                    ui.label(format!("{} B", r.y0 - base));
                });
                row.col(|ui| {
                    ui.label(format::bytes(r.y1 - r.y0));
                });
                row.col(|ui| {
                    ui.label(format!("{} – {}", r.x0, r.x1.saturating_sub(1)));
                });
                if row.response().clicked() {
                    clicked = Some(i);
                }
            });
        });
    if clicked.is_some() {
        view.selected = clicked;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::model::{ModelSource, plan_options};
    use crate::gui::settings::MemoryOptions;
    use egui_kittest::kittest::Queryable;
    use nncube_core::ir::{DType, Graph, Op, TensorType};
    use nncube_core::memplan::MemoryPool;
    use nncube_core::report::graph_view;

    /// in(64) → relu → a(64) → relu → b(64) → relu → out(64): at most two buffers are alive at once.
    fn chain() -> Graph {
        let ty = TensorType::new(DType::I8, vec![64]);
        let mut g = Graph::new("chain");
        let names = ["in", "a", "b", "out"];
        let t: Vec<_> = names.iter().map(|&n| g.add_tensor(n, ty.clone())).collect();
        g.inputs.push(t[0]);
        g.outputs.push(t[3]);
        for i in 0..3 {
            g.add_node(format!("r{i}"), Op::Relu, vec![Some(t[i])], vec![t[i + 1]]);
        }
        g
    }

    #[test]
    fn one_lane_per_pool_of_the_plan() {
        let g = chain();
        let options = MemoryOptions::default();
        let mut planner = plan_options(&options);
        planner.allow_kernel_overlap = false;
        // The fast pool holds one 64-byte buffer: the others must go to the slow one.
        planner.pools = vec![
            MemoryPool {
                name: "DTCM".into(),
                size_bytes: 64,
                speed_rank: 0,
            },
            MemoryPool {
                name: "SRAM".into(),
                size_bytes: 1024,
                speed_rank: 1,
            },
        ];
        let plan = nncube_core::memplan::plan(&g, &planner).unwrap();
        let key = crate::gui::model::AnalysisKey {
            generation: 1,
            options,
            board: None,
        };
        let analysis = Analysis::from_plan(&g, key, &planner, plan);
        assert_eq!(analysis.plan.pools.len(), 2);
        assert!(analysis.plan.pools.iter().all(|p| p.used_bytes > 0));
        let model = LoadedModel {
            source: ModelSource::BuiltIn,
            original: g.clone(),
            graph: g.clone(),
            pipeline: Default::default(),
            original_view: graph_view::layout(&g, "original", 0.0),
            optimized_view: graph_view::layout(&g, "optimized", 0.0),
        };
        let mut view = MemoryView::default();
        let mut harness = egui_kittest::Harness::new_ui(|ui| {
            show(ui, &mut view, &model, &analysis);
        });
        harness.run();
        for pool in &analysis.plan.pools {
            harness.get_by_label(&format!(
                "Pool {}: {} used of {}",
                pool.name,
                format::bytes(pool.used_bytes),
                format::bytes(pool.size_bytes.unwrap())
            ));
        }
        harness.get_by_label(&format!(
            "Peak: {}",
            format::bytes(analysis.plan.total_bytes)
        ));
    }
}
