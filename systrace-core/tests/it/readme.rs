//! README's security model lists every call as the class table classifies
//! it: the tables between its markers are written from
//! `calls::security_table` and `calls::unsafe_table`, and must stay so.

use std::path::PathBuf;

use systrace_core::calls;

fn readme() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../README.md")
}

/// Replace what lies between `<!-- NAME:begin -->` and `<!-- NAME:end -->`.
fn splice(text: &str, name: &str, table: &str) -> Option<String> {
    let begin = format!("<!-- {name}:begin -->\n");
    let end = format!("<!-- {name}:end -->");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text[start..].find(&end)?;
    Some(format!("{}{table}{}", &text[..start], &text[stop..]))
}

#[test]
fn the_security_model_is_the_class_table() {
    let path = readme();
    let text = std::fs::read_to_string(&path).expect("README.md");
    let written = splice(&text, "calls", &calls::security_table())
        .and_then(|t| splice(&t, "unsafe", &calls::unsafe_table()))
        .expect("README.md has the <!-- calls:begin/end --> and <!-- unsafe:begin/end --> markers");
    if std::env::var_os("SYSTRACE_WRITE_README").is_some() {
        std::fs::write(&path, &written).expect("write README.md");
        return;
    }
    assert!(
        written == text,
        "README's tables differ from the class table: run \
         `SYSTRACE_WRITE_README=1 cargo test -p systrace-core --test it readme` and review the diff"
    );
}

#[test]
fn every_class_of_call_is_in_the_table() {
    let table = calls::security_table();
    for (name, _) in calls::CLASSES {
        assert!(
            table.contains(&format!("`{}`", name.trim_start_matches("r#"))),
            "{name}"
        );
    }
    // A negative control: a name the table does not hold is not found.
    assert!(!table.contains("`no_such_call`"));
}
