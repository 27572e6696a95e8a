//! The Report tab: summary cards and the per-layer table, sortable by column, with MACC and weights bars.

use super::format;
use super::model::Analysis;
use egui_extras::{Column, TableBuilder};
use nncube_core::report::LayerReport;
use nncube_core::target::Board;

/// A sortable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Schedule order.
    #[default]
    Order,
    /// Layer name.
    Name,
    /// Operator.
    Op,
    /// MACC.
    Macc,
    /// Constant elements.
    Params,
    /// Weights bytes.
    Weights,
    /// Output bytes.
    Output,
}

/// The table's sort state and the cached row order.
#[derive(Debug, Default)]
pub struct ReportView {
    /// Column sorted by.
    pub sort: SortKey,
    /// Descending instead of ascending.
    pub descending: bool,
    /// Row order for (model generation, sort, descending), computed when any of them changes.
    order: Option<((u64, SortKey, bool), Vec<usize>)>,
}

impl ReportView {
    /// Clicking a header sorts by it; clicking it again flips the direction.
    pub fn click(&mut self, key: SortKey) {
        if self.sort == key {
            self.descending = !self.descending;
        } else {
            self.sort = key;
            // Costs read best largest first; names and order read best ascending.
            self.descending = matches!(
                key,
                SortKey::Macc | SortKey::Params | SortKey::Weights | SortKey::Output
            );
        }
    }

    /// Row indices in display order (cached).
    pub fn order(&mut self, generation: u64, layers: &[LayerReport]) -> &[usize] {
        let key = (generation, self.sort, self.descending);
        if self.order.as_ref().is_none_or(|(k, _)| *k != key) {
            self.order = Some((key, sorted_rows(layers, self.sort, self.descending)));
        }
        self.order.as_ref().map_or(&[], |(_, o)| o.as_slice())
    }
}

/// Row indices of `layers` sorted by `key` (ties keep schedule order).
fn sorted_rows(layers: &[LayerReport], key: SortKey, descending: bool) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..layers.len()).collect();
    rows.sort_by(|&a, &b| {
        let (x, y) = (&layers[a], &layers[b]);
        let ord = match key {
            SortKey::Order => x.id.cmp(&y.id),
            SortKey::Name => x.name.cmp(&y.name),
            SortKey::Op => x.op.cmp(&y.op),
            SortKey::Macc => x.macc.cmp(&y.macc),
            SortKey::Params => x.params.cmp(&y.params),
            SortKey::Weights => x.weights_bytes.cmp(&y.weights_bytes),
            SortKey::Output => x.output_bytes.cmp(&y.output_bytes),
        };
        if descending { ord.reverse() } else { ord }.then(x.id.cmp(&y.id))
    });
    rows
}

fn card(ui: &mut egui::Ui, title: &str, value: String, detail: String) -> egui::Response {
    egui::Frame::group(ui.style())
        .inner_margin(10.0)
        .show(ui, |ui| {
            ui.set_min_width(170.0);
            ui.vertical(|ui| {
                ui.weak(title);
                ui.heading(value);
                ui.small(detail);
            });
        })
        .response
}

/// "\nin DTCM 36.1 KiB, SRAM1 2.0 KiB": the pools the plan uses, when it spreads over a board's RAM regions.
fn pools_line(pools: &[nncube_core::report::PoolReport]) -> String {
    let used: Vec<String> = pools
        .iter()
        .filter(|p| p.used_bytes > 0)
        .map(|p| format!("{} {}", p.name, format::bytes(p.used_bytes)))
        .collect();
    if used.is_empty() {
        String::new()
    } else {
        format!("\nin {}", used.join(", "))
    }
}

/// Draws the tab.
pub fn show(
    ui: &mut egui::Ui,
    view: &mut ReportView,
    generation: u64,
    analysis: &Analysis,
    board: Option<&Board>,
) {
    let r = &analysis.report;
    let share = |bytes: u64, of: u64, what: &str| match board {
        Some(b) if of > 0 => format!(
            "{:.1} % of {}'s {what} ({})",
            bytes as f64 * 100.0 / of as f64,
            b.id,
            format::bytes(of)
        ),
        _ => format!("choose a board for the % of its {what}"),
    };
    ui.horizontal_wrapped(|ui| {
        card(
            ui,
            "Complexity",
            format!("{} MACC", format::count(r.macc)),
            format!("{} layers", r.layers.len()),
        );
        card(
            ui,
            "Weights (flash)",
            format::bytes(r.weights_bytes),
            format!(
                "{} parameters\n{}",
                format::count(r.params),
                share(
                    r.weights_bytes,
                    board.map_or(0, Board::flash_bytes),
                    "flash"
                )
            ),
        );
        card(
            ui,
            "Activations (RAM)",
            format::bytes(r.activations_bytes),
            format!(
                "planned peak, see Memory\n{}{}",
                share(
                    r.activations_bytes,
                    board.map_or(0, Board::ram_bytes),
                    "RAM"
                ),
                pools_line(&r.activation_pools)
            ),
        )
        .on_hover_text(&r.activations_method);
        let io = |list: &[nncube_core::report::IoReport]| list.iter().map(|t| t.bytes).sum::<u64>();
        card(
            ui,
            "Inputs / outputs",
            format!(
                "{} / {}",
                format::bytes(io(&r.inputs)),
                format::bytes(io(&r.outputs))
            ),
            format!("{} input(s), {} output(s)", r.inputs.len(), r.outputs.len()),
        );
    });
    ui.add_space(6.0);

    let max_macc = r.layers.iter().map(|l| l.macc).max().unwrap_or(0).max(1) as f32;
    let max_weights = r
        .layers
        .iter()
        .map(|l| l.weights_bytes)
        .max()
        .unwrap_or(0)
        .max(1) as f32;
    let mut clicked = None;
    let order = view.order(generation, &r.layers).to_vec();
    let arrow = |k: SortKey| match (view.sort == k, view.descending) {
        (false, _) => "",
        (true, false) => " ^",
        (true, true) => " v",
    };
    let headers = [
        (SortKey::Order, "#"),
        (SortKey::Name, "Layer"),
        (SortKey::Op, "Op"),
        (SortKey::Order, "Output shape"),
        (SortKey::Macc, "MACC"),
        (SortKey::Params, "Params"),
        (SortKey::Weights, "Weights"),
        (SortKey::Output, "Output"),
    ];
    TableBuilder::new(ui)
        .striped(true)
        .resizable(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::auto().at_least(28.0))
        .column(Column::initial(220.0).at_least(60.0).clip(true))
        .column(Column::auto().at_least(90.0))
        .column(Column::auto().at_least(90.0))
        .column(Column::initial(150.0).at_least(80.0))
        .column(Column::auto().at_least(60.0))
        .column(Column::initial(130.0).at_least(80.0))
        .column(Column::remainder().at_least(70.0))
        .header(22.0, |mut header| {
            for (i, (key, title)) in headers.iter().enumerate() {
                header.col(|ui| {
                    let text = if i == 3 {
                        title.to_string()
                    } else {
                        format!("{title}{}", arrow(*key))
                    };
                    if i == 3 {
                        ui.strong(text);
                    } else if ui.button(egui::RichText::new(text).strong()).clicked() {
                        clicked = Some(*key);
                    }
                });
            }
        })
        .body(|body| {
            body.rows(20.0, order.len(), |mut row| {
                let l = &r.layers[order[row.index()]];
                row.col(|ui| {
                    ui.label(l.id.to_string());
                });
                row.col(|ui| {
                    ui.label(format::short_name(&l.name, 60))
                        .on_hover_text(&l.name);
                });
                row.col(|ui| {
                    ui.label(&l.op);
                });
                row.col(|ui| {
                    ui.label(format::shape(&l.output_shape));
                });
                row.col(|ui| {
                    ui.add(
                        egui::ProgressBar::new(l.macc as f32 / max_macc)
                            .text(format::count(l.macc)),
                    );
                });
                row.col(|ui| {
                    ui.label(format::count(l.params));
                });
                row.col(|ui| {
                    ui.add(
                        egui::ProgressBar::new(l.weights_bytes as f32 / max_weights)
                            .text(format::bytes(l.weights_bytes)),
                    );
                });
                row.col(|ui| {
                    ui.label(format::bytes(l.output_bytes));
                });
            });
        });
    if let Some(key) = clicked {
        view.click(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(id: usize, macc: u64) -> LayerReport {
        LayerReport {
            id,
            name: format!("l{id}"),
            op: "relu".into(),
            output_shape: vec![1],
            output_dtype: "i8".into(),
            macc,
            params: 0,
            weights_bytes: 0,
            output_bytes: 1,
            inputs: vec![],
            fused: vec![],
        }
    }

    #[test]
    fn sorting_by_macc_and_back() {
        let layers = vec![layer(0, 5), layer(1, 50), layer(2, 5)];
        let mut view = ReportView::default();
        assert_eq!(view.order(1, &layers), &[0, 1, 2]);
        view.click(SortKey::Macc);
        assert_eq!(view.order(1, &layers), &[1, 0, 2]);
        view.click(SortKey::Macc);
        assert_eq!(view.order(1, &layers), &[0, 2, 1]);
    }
}
