//! `nncube boards`: the table of built-in boards (snapshot) and a bad board file (one clean error line).

mod common;

use std::process::Command;

#[test]
fn boards_lists_every_builtin_board() {
    let out = Command::new(common::nncube_bin())
        .arg("boards")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    for entry in std::fs::read_dir(common::repo_root().join("assets/boards")).unwrap() {
        let path = entry.unwrap().path();
        let id = path.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(
            stdout.lines().any(|l| l.starts_with(&format!("{id} "))),
            "{id} missing:\n{stdout}"
        );
    }
    insta::assert_snapshot!("boards_table", stdout);
}

#[test]
fn a_bad_board_file_is_one_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.ron");
    std::fs::write(&path, "Board(id: \"bad\", colour: 1)").unwrap();
    let out = Command::new(common::nncube_bin())
        .args(["boards", "--file"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("bad.ron") && stderr.contains("board schema"),
        "{stderr}"
    );
}
