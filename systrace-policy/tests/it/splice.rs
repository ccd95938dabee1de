//! Adding rules to a policy file's text: comments, blank lines and order
//! kept, each rule at the end of its section.

use systrace_policy::Abi;
use systrace_policy::ast::RuleLine;
use systrace_policy::parse::parse_rule;
use systrace_policy::splice::{Additions, append};

use crate::common::TestTable;

fn line(syscall: &str, rule: &str) -> RuleLine {
    RuleLine {
        emulation: "whatever".to_string(),
        syscall: syscall.to_string(),
        rule: parse_rule(rule).expect("rule"),
        span: Default::default(),
    }
}

const TEXT: &str = "# my cat\n\
Policy: /bin/cat, Emulation: linux64\n\
\tlinux64-read: permit # reads\n\
\n\
\tlinux64-write: permit\n\
# now the 32-bit one\n\
\n\
Policy: /bin/cat, Emulation: linux\n\
\tlinux-read: permit\n\
# trailing words\n";

#[test]
fn rules_go_to_the_end_of_their_section() {
    let additions = Additions {
        rules: vec![
            (Abi::X86_64, line("getpid", "permit")),
            (Abi::I386, line("getpid", "permit")),
            (
                Abi::X86_64,
                line("stat", "filename eq \"/etc/hosts\" then permit"),
            ),
        ],
        detached: Vec::new(),
    };
    let out = append(TEXT, "p", "/bin/cat", &TestTable, &additions).expect("appends");
    assert_eq!(out.added, 3);
    assert_eq!(
        out.text,
        "# my cat\n\
Policy: /bin/cat, Emulation: linux64\n\
\tlinux64-read: permit # reads\n\
\n\
\tlinux64-write: permit\n\
\tlinux64-getpid: permit\n\
\tlinux64-stat: filename eq \"/etc/hosts\" then permit\n\
# now the 32-bit one\n\
\n\
Policy: /bin/cat, Emulation: linux\n\
\tlinux-read: permit\n\
\tlinux-getpid: permit\n\
# trailing words\n"
    );
}

#[test]
fn a_rule_the_section_holds_is_not_added_again() {
    let additions = Additions {
        rules: vec![
            (Abi::X86_64, line("read", "permit")),
            (Abi::X86_64, line("brk", "permit")),
            (Abi::X86_64, line("brk", "permit")),
        ],
        detached: Vec::new(),
    };
    let out = append(TEXT, "p", "/bin/cat", &TestTable, &additions).expect("appends");
    assert_eq!(out.added, 1);
    assert_eq!(out.text.matches("brk").count(), 1);
}

#[test]
fn a_new_abi_gets_a_new_section_at_the_end() {
    let text = "Policy: /bin/cat, Emulation: linux64\n\tlinux64-read: permit";
    let additions = Additions {
        rules: vec![(Abi::I386, line("read", "permit"))],
        detached: vec![],
    };
    let out = append(text, "p", "/bin/cat", &TestTable, &additions).expect("appends");
    assert_eq!(
        out.text,
        "Policy: /bin/cat, Emulation: linux64\n\tlinux64-read: permit\n\
         Policy: /bin/cat, Emulation: linux\n\tlinux-read: permit\n"
    );
    // An empty file, and a section with no rules yet.
    let out = append("", "p", "/bin/cat", &TestTable, &additions).expect("appends");
    assert_eq!(
        out.text,
        "Policy: /bin/cat, Emulation: linux\n\tlinux-read: permit\n"
    );
    let empty = "Policy: /bin/cat, Emulation: linux\n# nothing yet\n";
    let out = append(empty, "p", "/bin/cat", &TestTable, &additions).expect("appends");
    assert_eq!(
        out.text,
        "Policy: /bin/cat, Emulation: linux\n\tlinux-read: permit\n# nothing yet\n"
    );
}

#[test]
fn detached_is_written_for_its_section() {
    let text = "Policy: /bin/cat, Emulation: linux64\n";
    let additions = Additions {
        rules: vec![],
        detached: vec![Abi::X86_64],
    };
    let out = append(text, "p", "/bin/cat", &TestTable, &additions).expect("appends");
    assert_eq!(out.text, "Policy: /bin/cat, Emulation: linux64\ndetached\n");
}

#[test]
fn a_file_that_does_not_parse_gets_nothing() {
    let text = "Policy: /bin/cat, Emulation: linux64\n\tlinux64-read permit\n";
    let additions = Additions {
        rules: vec![(Abi::X86_64, line("brk", "permit"))],
        detached: vec![],
    };
    let err = append(text, "the-file", "/bin/cat", &TestTable, &additions).expect_err("broken");
    assert!(err.to_string().starts_with("the-file:2:"), "{err}");
}
