//! The left panel: the model, the runtime, the board, memory options and what to generate.

use super::format;
use super::model::LoadedModel;
use super::settings::{ALIGNMENTS, Config, Runtime};
use nncube_core::target::Board;
use std::path::PathBuf;

/// What the panel asks the app to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Nothing.
    None,
    /// Open the model or project typed in the path field.
    OpenPath(PathBuf),
    /// Show the file dialog.
    Browse,
}

/// Draws the panel; edits `config` in place.
pub fn show(
    ui: &mut egui::Ui,
    config: &mut Config,
    path_field: &mut String,
    model: Option<&LoadedModel>,
    boards: &[Board],
) -> Action {
    let mut action = Action::None;
    ui.heading("Model");
    match model {
        Some(m) => ui.label(m.source.describe()),
        None => ui.label("none"),
    };
    ui.horizontal(|ui| {
        let label = ui.label("Path");
        let field = ui
            .add(
                egui::TextEdit::singleline(path_field)
                    .hint_text("model.tflite or project.ron")
                    .desired_width(150.0),
            )
            .labelled_by(label.id);
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.button("Open").clicked() || enter) && !path_field.trim().is_empty() {
            action = Action::OpenPath(PathBuf::from(path_field.trim()));
        }
    });
    if ui.button("Browse…").clicked() {
        action = Action::Browse;
    }
    ui.label("or drop a file on the window");

    ui.separator();
    ui.heading("Runtime");
    for runtime in Runtime::ALL {
        match runtime.unavailable_reason() {
            None => {
                ui.radio_value(&mut config.runtime, runtime, runtime.label());
            }
            Some(reason) => {
                ui.add_enabled(
                    false,
                    egui::RadioButton::new(config.runtime == runtime, runtime.label()),
                )
                .on_disabled_hover_text(reason);
                ui.weak(format!("    {reason}"));
            }
        }
    }

    ui.separator();
    ui.heading("Target");
    egui::ComboBox::from_label("Target board")
        .selected_text(config.board.as_deref().unwrap_or("none"))
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut config.board, None, "none");
            for b in boards {
                ui.selectable_value(&mut config.board, Some(b.id.clone()), &b.id)
                    .on_hover_text(&b.name);
            }
        });
    match config
        .board
        .as_deref()
        .map(|id| boards.iter().find(|b| b.id == id))
    {
        None => {
            ui.weak("No board: figures are shown without a flash/RAM budget.");
        }
        Some(None) => {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "This board is not among the built-in boards (see `nncube boards`); choose another.",
            );
        }
        Some(Some(b)) => {
            ui.label(&b.name);
            ui.weak(format!(
                "{} ({:?}), {} flash, {} RAM, {}",
                b.mcu,
                b.core,
                format::bytes(b.flash_bytes()),
                format::bytes(b.ram_bytes()),
                if b.virtual_board.is_some() {
                    "virtual board (QEMU)"
                } else {
                    "real board"
                }
            ));
        }
    }

    ui.separator();
    ui.heading("Memory options");
    ui.checkbox(
        &mut config.memory.inputs_in_activations,
        "Inputs in the activation buffer",
    );
    ui.checkbox(
        &mut config.memory.outputs_in_activations,
        "Outputs in the activation buffer",
    );
    egui::ComboBox::from_label("Alignment")
        .selected_text(format!("{} B", config.memory.alignment))
        .show_ui(ui, |ui| {
            for a in ALIGNMENTS {
                ui.selectable_value(&mut config.memory.alignment, a, format!("{a} B"));
            }
        });

    ui.separator();
    ui.heading("Code generation");
    ui.horizontal(|ui| {
        let label = ui.label("Model name");
        ui.text_edit_singleline(&mut config.model_name)
            .labelled_by(label.id);
    });
    if !is_c_identifier(&config.model_name) {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            "The model name prefixes C symbols: use letters, digits and _, not starting with a digit.",
        );
    }
    ui.horizontal(|ui| {
        let label = ui.label("Output directory");
        let mut text = config.output_dir.display().to_string();
        if ui
            .text_edit_singleline(&mut text)
            .labelled_by(label.id)
            .changed()
        {
            config.output_dir = PathBuf::from(text);
        }
    });
    action
}

/// True for a valid C identifier.
pub fn is_c_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    #[test]
    fn c_identifiers() {
        assert!(super::is_c_identifier("network_1"));
        assert!(!super::is_c_identifier("1net"));
        assert!(!super::is_c_identifier("my-net"));
        assert!(!super::is_c_identifier(""));
    }
}
