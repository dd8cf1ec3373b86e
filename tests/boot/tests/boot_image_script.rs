//! scripts/boot-image, the by-hand boot the README shows, boots an image
//! with quoted arguments and exits with the guest's status.
use std::process::Command;

#[test]
fn boot_image_script_passes_arguments_and_status() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/boot-image");
    let out = Command::new(script)
        .arg(halvm_boot_tests::image("basic"))
        .args(["42", "two words", "it's"])
        .output()
        .expect("running scripts/boot-image");
    let console = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(42), "console:\n{console}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr));
    for line in ["argc: 4", "argv[2]: [two words]", "argv[3]: [it's]", "halvm: exit status 42"] {
        assert!(console.contains(line), "no {line:?} in:\n{console}");
    }
    let bad = Command::new(script).arg("/nonexistent").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no such image"));
}
