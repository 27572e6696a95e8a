//! The Validate and Board tabs: present from day one, saying what they will do and why they cannot yet.
//!
//! They plug into code generation (Validate) and the virtual/real board runners (Board) when those land.

use super::settings::Config;

fn unavailable(ui: &mut egui::Ui, what: &str, why: &str, config_lines: &[String]) {
    ui.label(what);
    ui.add_space(8.0);
    ui.colored_label(ui.visuals().warn_fg_color, format!("Unavailable: {why}"));
    ui.add_space(8.0);
    ui.strong("It will use this configuration:");
    for line in config_lines {
        ui.label(line);
    }
}

fn config_lines(config: &Config) -> Vec<String> {
    vec![
        format!("runtime: {}", config.runtime.label()),
        format!(
            "board: {}",
            config.board.as_deref().unwrap_or("none chosen")
        ),
        format!("model name: {}", config.model_name),
        format!("output directory: {}", config.output_dir.display()),
    ]
}

/// The Validate tab.
pub fn validate(ui: &mut egui::Ui, config: &Config) {
    ui.heading("Validate");
    unavailable(
        ui,
        "Validation generates the C project, runs it on the host and on the virtual board with random and \
         user-supplied inputs, and compares every output with TensorFlow Lite Micro (bit-exact for int8 models), \
         reporting the maximum error per output.",
        "C code generation and the reference interpreter are not part of this build yet.",
        &config_lines(config),
    );
}

/// The Board tab.
pub fn board(ui: &mut egui::Ui, config: &Config) {
    ui.heading("Board");
    unavailable(
        ui,
        "Board builds the generated project with arm-none-eabi-gcc, runs it on the QEMU virtual Cortex-M board \
         (or flashes a real board through a debug probe), and shows the instruction count per inference and the \
         flash and RAM actually used.",
        "code generation, board descriptions and the virtual board runner are not part of this build yet.",
        &config_lines(config),
    );
}
