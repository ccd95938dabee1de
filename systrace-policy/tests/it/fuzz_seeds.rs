//! Replays the fuzz target's seed corpus, the project's fixture policies
//! (and, in an ignored test, the real policies of the shared corpus beside
//! the repository) through the same check the fuzzer runs.

use std::fs;
use std::path::Path;

fn replay(dir: &Path) -> usize {
    let mut n = 0;
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("corpus directory")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let data = fs::read(&path).expect("seed readable");
        systrace_policy::fuzz::check(&data);
        n += 1;
    }
    n
}

#[test]
fn seed_corpus_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/parse_policy");
    assert!(replay(&dir) >= 10, "seed corpus present");
}

/// The project's own policies, those of every feature among them: what
/// [`shared_corpus_replays`] does for the real ones, for a plain clone.
#[test]
fn fixture_policies_replay() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../systrace-cli/tests/fixtures");
    assert!(replay(&dir) >= 7, "fixtures present");
}

#[test]
#[ignore = "needs ../shared/corpus"]
fn shared_corpus_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/policies");
    assert!(
        dir.is_dir(),
        "{} is missing: this test needs the shared corpus beside the repository",
        dir.display()
    );
    assert!(replay(&dir) >= 11);
}

#[test]
fn odd_inputs_hold_the_property() {
    for input in [
        &b""[..],
        b"\n\n\n",
        b"#",
        b"Policy: , Emulation: \n",
        b"Policy: x, Emulation: y\n\ty-z: \"",
        b"\xff\xfe",
        b"Policy: /x, Emulation: e\n\te-c: a eq \"\\",
        "Policy: /é, Emulation: e\n\te-c: a eq \"→\" then permit\n".as_bytes(),
    ] {
        systrace_policy::fuzz::check(input);
    }
}
