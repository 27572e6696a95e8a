//! The desktop configurator driven headless with egui_kittest (wgpu offscreen: mesa lavapipe or llvmpipe, no
//! display server): open models, switch tabs, change options, save and reopen projects, show errors.

mod common;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use nncube::gui::{NncubeApp, OpenRequest, Settings, Tab};
use nncube::gui::{format, graph_tab};
use std::path::Path;

fn loaded(request: OpenRequest) -> NncubeApp {
    let mut app = NncubeApp::new(Settings::default());
    app.open(request);
    app.wait_for_tasks();
    app
}

fn harness(mut app: NncubeApp) -> Harness<'static, NncubeApp> {
    // Settings changed before the harness (e.g. the board) start a new plan: finish it first.
    app.refresh_analysis();
    app.wait_for_tasks();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut NncubeApp| app.draw(ui), app);
    h.run();
    h
}

/// Lets background tasks started by a click finish, then settles the UI.
fn finish_tasks(h: &mut Harness<'static, NncubeApp>) {
    h.state_mut().wait_for_tasks();
    h.run();
}

/// Replaces the text of the field labelled `label` with `text`.
fn type_into(h: &mut Harness<'static, NncubeApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label(label).type_text(text);
    h.run();
}

fn activations(h: &Harness<'static, NncubeApp>) -> u64 {
    h.state()
        .analysis()
        .expect("analysis")
        .report
        .activations_bytes
}

#[test]
fn shared_model_opens_and_every_tab_shows_its_content() {
    let model = common::shared_model("vww_96_int8");
    let mut h = harness(loaded(OpenRequest::Path(model.clone())));
    assert!(h.state().errors().is_empty(), "{:?}", h.state().errors());
    let report = &h.state().analysis().expect("analysis").report;
    assert_eq!(report.model, "vww_96_int8");
    let macc = format!("{} MACC", format::count(report.macc));
    h.get_by_label(&macc);
    h.get_by_label(&format::short_name(&report.layers[0].name, 60));

    h.get_by_label("Graph").click();
    h.run();
    assert_eq!(h.state().settings.tab, Tab::Graph);
    h.get_by_label("Click a layer in the graph.");
    let (layer, fused_box, fused) = {
        let m = h.state().model().expect("model");
        let layer = m
            .graph
            .nodes
            .iter()
            .position(|n| !n.fused.is_empty())
            .expect("the optimizer fused something");
        let i = m.graph.inputs.len() + layer;
        (
            layer,
            graph_tab::box_text(&m.optimized_view.nodes[i]),
            m.graph.nodes[layer].fused.clone(),
        )
    };
    assert!(fused_box.contains("(+1 fused)"), "{fused_box}");
    // The fused layer is far down: show the whole graph, then click its box.
    h.get_by_label("Fit all").click();
    h.run();
    h.get_by_label(&fused_box).click();
    h.run();
    assert_eq!(
        h.state().selected_layer(),
        Some(nncube_core::ir::NodeId(layer as u32))
    );
    h.get_by_label(&format!("Layer {layer}"));
    h.get_by_label("Fused operators");
    h.get_by_label(&fused[0]);
    assert!(
        h.query_all_by_label_contains("activation buffer: pool activations, offset")
            .next()
            .is_some(),
        "no buffer location"
    );
    assert!(
        h.query_all_by_label_contains("per channel")
            .next()
            .is_some(),
        "no per-channel quantization shown"
    );

    h.get_by_label_contains("Original (").click();
    h.run();
    assert_eq!(h.state().selected_layer(), None);
    let original_first = {
        let m = h.state().model().expect("model");
        graph_tab::box_text(&m.original_view.nodes[m.original.inputs.len()])
    };
    h.get_by_label(&original_first).click();
    h.run();
    h.get_by_label_contains("none: this is the imported graph");

    h.get_by_label("Memory").click();
    h.run();
    let plan = {
        let mut graph = nncube_core::import::load_model(&model).expect("import");
        nncube_core::passes::Pipeline::default_pipeline()
            .run(&mut graph, None)
            .expect("optimize");
        nncube_core::memplan::plan(&graph, &nncube_core::memplan::PlanOptions::default())
            .expect("plan")
    };
    h.get_by_label(&format!("Peak: {}", format::bytes(plan.total_bytes)));
    h.get_by_label_contains(&format!(
        "{} without overlap, {} with full kernel overlap",
        format::bytes(plan.no_overlap_bound),
        format::bytes(plan.full_overlap_bound)
    ));
    for pool in &plan.pools {
        h.get_by_label_contains(&format!("Pool {}: ", pool.name));
    }
    assert_eq!(activations(&h), plan.total_bytes);

    h.get_by_label("Validate").click();
    h.run();
    h.get_by_label("Run validation");
    h.get_by_label_contains("choose a virtual (qemu-*) board");
    h.get_by_label("Board").click();
    h.run();
    h.get_by_label_contains("Choose a board in the Target panel");
    assert_eq!(h.state().settings.recent.first(), Some(&model));
}

#[test]
fn io_options_change_the_activation_figure() {
    let mut h = harness(loaded(OpenRequest::Path(common::shared_model("ad01_int8"))));
    let with_io = activations(&h);
    assert!(
        h.query_all_by_label(&format::bytes(with_io))
            .next()
            .is_some()
    );
    h.get_by_label("Inputs in the activation buffer").click();
    h.get_by_label("Outputs in the activation buffer").click();
    // The new memory plan is computed in the background.
    h.run_steps(2);
    finish_tasks(&mut h);
    assert!(!h.state().settings.config.memory.inputs_in_activations);
    let without_io = activations(&h);
    assert!(
        without_io < with_io,
        "{without_io} should be below {with_io}"
    );
    assert!(
        h.query_all_by_label(&format::bytes(without_io))
            .next()
            .is_some()
    );
    let method = &h
        .state()
        .analysis()
        .expect("analysis")
        .report
        .activations_method;
    assert!(
        method.contains("inputs excluded, outputs excluded"),
        "{method}"
    );
}

#[test]
fn typing_a_path_opens_a_different_model() {
    let mut h = harness(loaded(OpenRequest::BuiltIn));
    let kws_macc = h.state().analysis().expect("analysis").report.macc;
    let other = common::shared_model("person_detect");
    type_into(&mut h, "Path", &other.display().to_string());
    h.get_by_label("Open").click();
    h.run_steps(2);
    finish_tasks(&mut h);
    let report = &h.state().analysis().expect("analysis").report;
    assert_eq!(report.model, "person_detect");
    assert_ne!(report.macc, kws_macc);
    h.get_by_label(&format!("{} MACC", format::count(report.macc)));
}

#[test]
fn a_project_saves_and_reopens_with_its_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join("kws.ron");
    let mut app = loaded(OpenRequest::Path(common::shared_model("kws_ref_model")));
    app.settings.config.model_name = "kws".into();
    app.settings.config.memory.alignment = 16;
    app.settings.config.memory.inputs_in_activations = false;
    app.save_project(&project).expect("save");
    let text = std::fs::read_to_string(&project).expect("read");
    assert!(
        !text.contains(&dir.path().display().to_string()),
        "absolute path in project: {text}"
    );

    let mut h = harness(loaded(OpenRequest::Path(project.clone())));
    let config = &h.state().settings.config;
    assert_eq!(
        (config.model_name.as_str(), config.memory.alignment),
        ("kws", 16)
    );
    assert!(!config.memory.inputs_in_activations);
    assert_eq!(h.state().project_path(), Some(project.as_path()));
    let source = h
        .state()
        .model()
        .expect("model")
        .source
        .path()
        .map(Path::to_path_buf);
    assert_eq!(
        source.map(|p| std::fs::canonicalize(p).expect("model path")),
        Some(std::fs::canonicalize(common::shared_model("kws_ref_model")).expect("canonical"))
    );

    // Edit in the window, then File → Save project rewrites the open project.
    type_into(&mut h, "Model name", "kws_v2");
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Save project").click();
    h.run();
    assert!(h.state().errors().is_empty(), "{:?}", h.state().errors());
    let reopened = loaded(OpenRequest::Path(project));
    assert_eq!(reopened.settings.config.model_name, "kws_v2");
}

#[test]
fn the_example_project_opens_the_kws_model() {
    let app = loaded(OpenRequest::Path(
        common::repo_root().join("projects/kws_ref_model.ron"),
    ));
    assert!(app.errors().is_empty(), "{:?}", app.errors());
    assert_eq!(app.model().expect("model").graph.name, "kws_ref_model");
    assert_eq!(app.settings.config.model_name, "kws_ref_model");
}

#[test]
fn a_bad_model_file_shows_an_error_panel() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.tflite");
    std::fs::write(&bad, b"this is not a flatbuffer at all").expect("write");
    let mut h = harness(loaded(OpenRequest::BuiltIn));
    type_into(&mut h, "Path", &bad.display().to_string());
    h.get_by_label("Open").click();
    h.run_steps(2);
    finish_tasks(&mut h);
    assert_eq!(h.state().errors().len(), 1);
    h.get_by_label_contains("not a TFLite model");
    h.get_by_label_contains("bad.tflite");
    // The previous model stays open.
    assert_eq!(
        h.state().model().expect("model").graph.name,
        "kws_ref_model"
    );
    h.get_by_label("Dismiss errors").click();
    h.run();
    assert!(h.state().errors().is_empty());
    assert!(h.query_by_label_contains("not a TFLite model").is_none());
}

#[test]
fn report_tab_snapshot() {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1000.0, 560.0))
        .wgpu()
        .build_ui_state(
            |ui, app: &mut NncubeApp| app.draw(ui),
            loaded(OpenRequest::BuiltIn),
        );
    h.run();
    h.snapshot("report_default_model");
}

#[test]
fn cli_screenshot_writes_a_png_of_the_requested_tab() {
    let dir = tempfile::tempdir().expect("tempdir");
    let png = dir.path().join("graph.png");
    let out = std::process::Command::new(common::nncube_bin())
        .args(["gui", "--tab", "graph", "--screenshot"])
        .arg(&png)
        .output()
        .expect("run nncube");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&png).expect("png written");
    assert_eq!(&bytes[1..4], b"PNG");
    let width = u32::from_be_bytes(bytes[16..20].try_into().expect("width"));
    assert!(width >= 1280, "width {width}");

    let bad = std::process::Command::new(common::nncube_bin())
        .args(["gui", "missing.tflite", "--screenshot"])
        .arg(dir.path().join("x.png"))
        .output()
        .expect("run nncube");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("missing.tflite"));
}

/// Runs frames until `label` appears (a background job reached a step), for at most two minutes.
fn run_until_label(h: &mut Harness<'static, NncubeApp>, label: &str) {
    for _ in 0..2400 {
        h.run_steps(1);
        if h.query_all_by_label_contains(label).next().is_some() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("`{label}` never appeared");
}

fn hello_world_on_qemu(output_dir: &Path) -> Harness<'static, NncubeApp> {
    let mut app = loaded(OpenRequest::Path(common::shared_model("hello_world_int8")));
    app.settings.config.board = Some("qemu-netduinoplus2".into());
    app.settings.config.output_dir = output_dir.to_path_buf();
    harness(app)
}

#[test]
fn validate_tab_runs_host_and_virtual_board_validation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut h = hello_world_on_qemu(&dir.path().join("project"));
    h.get_by_label("Validate").click();
    h.run();
    h.get_by_label_contains("Also run sample 0 on the virtual board qemu-netduinoplus2");
    h.get_by_label("Run validation").click();
    h.run_steps(2);
    assert!(
        h.query_by_label("Cancel").is_some(),
        "no cancel button while running"
    );
    finish_tasks(&mut h);
    h.get_by_label("Host validation passed: 5 samples, every output matches");
    h.get_by_label("ok (bit-exact)");
    h.get_by_label("Per layer: every layer matches the reference");
    let layers = h.state().model().expect("model").graph.nodes.len();
    assert!(layers > 0);
    h.get_by_label_contains("Virtual board qemu-netduinoplus2: sample 0 matches the reference");
}

#[test]
fn board_tab_generates_builds_and_benchmarks_on_the_virtual_board() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join("project");
    let mut h = hello_world_on_qemu(&project);
    h.get_by_label("Board").click();
    h.run();
    h.get_by_label("Generate, build and benchmark").click();
    h.run_steps(2);
    finish_tasks(&mut h);
    assert!(h.state().errors().is_empty(), "{:?}", h.state().errors());
    h.get_by_label_contains("Benchmark on qemu-netduinoplus2:");
    assert!(project.join("Makefile").is_file(), "no Makefile generated");
    assert!(project.join("app/main.c").is_file());
    let first = h.state().model().expect("model").graph.nodes[0]
        .name
        .clone();
    h.get_by_label_contains(&format::short_name(&first, 40));
    assert!(
        h.query_by_label_contains("instructions per inference")
            .is_some(),
        "no totals"
    );
}

#[test]
fn cancelling_the_board_job_stops_the_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join("project");
    let mut h = hello_world_on_qemu(&project);
    h.get_by_label("Board").click();
    h.run();
    h.get_by_label("Generate, build and benchmark").click();
    run_until_label(&mut h, "building the benchmark firmware");
    h.get_by_label("Cancel").click();
    h.run_steps(1);
    finish_tasks(&mut h);
    h.get_by_label_contains("was cancelled");
    assert!(h.query_by_label_contains("Benchmark on").is_none());
    // The project itself was written before the build started.
    assert!(project.join("Makefile").is_file());
    // The tab is ready for another run.
    h.get_by_label("Generate project");
}

#[test]
fn choosing_a_board_shows_its_share_of_flash_and_ram() {
    let mut h = harness(loaded(OpenRequest::BuiltIn));
    assert!(h.state().boards().len() >= 10, "built-in boards missing");
    h.get_by_label_contains("choose a board for the % of its flash");
    h.get_by_label("Target board").click();
    h.run();
    // The list is long: pick a board near its top, where the popup shows it.
    h.get_by_label("nucleo-f446re").click();
    // The board's RAM regions become the planner's pools: a new plan is computed in the background.
    h.run_steps(2);
    finish_tasks(&mut h);
    assert_eq!(
        h.state().settings.config.board.as_deref(),
        Some("nucleo-f446re")
    );
    let board = h.state().board().expect("board").clone();
    let report = h.state().analysis().expect("analysis").report.clone();
    let pct = |bytes: u64, of: u64| format!("{:.1} %", bytes as f64 * 100.0 / of as f64);
    h.get_by_label_contains(&format!(
        "{} of nucleo-f446re's flash",
        pct(report.weights_bytes, board.flash_bytes())
    ));
    h.get_by_label_contains(&format!(
        "{} of nucleo-f446re's RAM",
        pct(report.activations_bytes, board.ram_bytes())
    ));
    h.get_by_label_contains("real board");
    // The Board tab says a real board cannot be run here.
    h.get_by_label("Board").click();
    h.run();
    h.get_by_label_contains("needs probe-rs and a debug probe");
}

#[test]
fn cancelling_validation_stops_the_virtual_board_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut h = hello_world_on_qemu(&dir.path().join("project"));
    h.get_by_label("Validate").click();
    h.run();
    h.get_by_label("Run validation").click();
    run_until_label(
        &mut h,
        "building and running sample 0 on qemu-netduinoplus2",
    );
    h.get_by_label("Cancel").click();
    h.run_steps(1);
    finish_tasks(&mut h);
    // Host validation finished before the cancel; the virtual-board run was stopped.
    h.get_by_label("Host validation passed: 5 samples, every output matches");
    h.get_by_label_contains("Virtual board: ");
    h.get_by_label_contains("was cancelled");
    h.get_by_label("Run validation");
}

#[test]
fn validate_tab_uses_an_inputs_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = loaded(OpenRequest::Path(common::shared_model("hello_world_int8")));
    let input = {
        let g = &app.model().expect("model").graph;
        g.tensor(g.inputs[0]).ty.clone()
    };
    let arrays: Vec<(String, nncube_core::interp::TensorData)> = (0..3u8)
        .map(|i| {
            (
                format!("x{i}"),
                nncube_core::interp::TensorData {
                    dtype: input.dtype,
                    shape: input.shape.to_vec(),
                    bytes: vec![i.wrapping_mul(77); input.size_bytes()],
                },
            )
        })
        .collect();
    let npz = dir.path().join("inputs.npz");
    nncube_core::npy::write_npz(&npz, &arrays).expect("write npz");
    app.settings.tab = Tab::Validate;
    let mut h = harness(app);
    type_into(&mut h, "Inputs file", &npz.display().to_string());
    h.get_by_label("Run validation").click();
    h.run_steps(2);
    finish_tasks(&mut h);
    h.get_by_label("Host validation passed: 3 samples, every output matches");

    type_into(
        &mut h,
        "Inputs file",
        &dir.path().join("missing.npy").display().to_string(),
    );
    h.get_by_label("Run validation").click();
    h.run_steps(2);
    finish_tasks(&mut h);
    h.get_by_label_contains("cannot read inputs");
}

#[test]
fn with_a_board_the_memory_tab_shows_the_plan_over_its_ram_regions() {
    let model = common::shared_model("vww_96_int8");
    let mut app = loaded(OpenRequest::Path(model.clone()));
    app.settings.config.board = Some("nucleo-h743zi2".into());
    app.settings.tab = Tab::Memory;
    let mut h = harness(app);
    let plan = {
        let mut graph = nncube_core::import::load_model(&model).expect("import");
        nncube_core::passes::Pipeline::default_pipeline()
            .run(&mut graph, None)
            .expect("optimize");
        let board = nncube_core::target::Board::find("nucleo-h743zi2").expect("board");
        nncube_core::target::project::plan_for_board(
            &graph,
            &board,
            nncube_core::target::firmware::DEFAULT_STACK_BYTES,
            &nncube_core::memplan::PlanOptions::default(),
        )
        .expect("plan")
    };
    assert!(plan.pools.len() > 1, "the H743 has several RAM regions");
    assert_eq!(h.state().analysis().expect("analysis").plan, plan);
    let dtcm = plan
        .pools
        .iter()
        .find(|p| p.name == "DTCM")
        .expect("DTCM pool");
    // The Report card names the pools the plan fills.
    h.get_by_label("Report").click();
    h.run();
    h.get_by_label_contains(&format!("in DTCM {}", format::bytes(dtcm.used_bytes)));
    h.get_by_label("Memory").click();
    h.run();
    h.get_by_label(&format!("Peak: {}", format::bytes(plan.total_bytes)));
    for pool in &plan.pools {
        h.get_by_label(&format!(
            "Pool {}: {} used of {}",
            pool.name,
            format::bytes(pool.used_bytes),
            format::bytes(pool.size_bytes.expect("bounded"))
        ));
    }
}
