//! passwd and group lookups.

use systrace_core::format::{self, group_id_in, group_name_in, user_id_in, user_name_in};

// ---------------------------------------------------------------------------
// passwd and group

const PASSWD: &str = "\
root:x:0:0:root:/root:/bin/bash
# a comment:x:5:5::/:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin

named:*:70:70:Named:/var/named:/sbin/nologin
+nisuser:x:2000:2000:::
-blocked:x:2001:2001:::
broken:x:notanumber:1:::
plus:x:+3000:1:::
short:x
dup:x:70:70:second holder of 70:/:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
crlf:x:4000:4000::/:/bin/sh\r
";

const GROUP: &str = "\
root:x:0:
wheel:x:10:root,alice
staff::50:
nogroup:x:65534:
";

#[test]
fn passwd_lookups() {
    let by_id: &[(u32, Option<&str>)] = &[
        (0, Some("root")),
        (1, Some("daemon")),
        (70, Some("named")),
        (65534, Some("nobody")),
        (4000, Some("crlf")),
        (5, None),
        (2000, None),
        (3000, None),
        (12345, None),
    ];
    for &(id, want) in by_id {
        assert_eq!(user_name_in(PASSWD, id).as_deref(), want, "uid {id}");
    }
    let by_name: &[(&str, Option<u32>)] = &[
        ("root", Some(0)),
        ("named", Some(70)),
        ("dup", Some(70)),
        ("crlf", Some(4000)),
        ("Root", None),
        ("nisuser", None),
        ("+nisuser", None),
        ("blocked", None),
        ("broken", None),
        ("plus", None),
        ("short", None),
        ("", None),
        ("# a comment", None),
    ];
    for &(name, want) in by_name {
        assert_eq!(user_id_in(PASSWD, name), want, "user {name:?}");
    }
}

#[test]
fn group_lookups() {
    let by_name: &[(&str, Option<u32>)] = &[
        ("root", Some(0)),
        ("wheel", Some(10)),
        ("staff", Some(50)),
        ("nogroup", Some(65534)),
        ("alice", None),
    ];
    for &(name, want) in by_name {
        assert_eq!(group_id_in(GROUP, name), want, "group {name:?}");
    }
    assert_eq!(group_name_in(GROUP, 10).as_deref(), Some("wheel"));
    assert_eq!(group_name_in(GROUP, 11), None);
    assert_eq!(group_name_in("", 0), None);
}

#[test]
fn system_files_agree_with_the_parsers() {
    // Root is uid 0 and group 0 on every Linux system this runs on.
    if let Ok(passwd) = std::fs::read_to_string(format::PASSWD_PATH) {
        assert_eq!(format::user_name(0), user_name_in(&passwd, 0));
        assert_eq!(format::user_id("root"), user_id_in(&passwd, "root"));
        assert_eq!(
            format::uname(0),
            user_name_in(&passwd, 0).unwrap_or("<unknown>".into())
        );
    }
    if let Ok(group) = std::fs::read_to_string(format::GROUP_PATH) {
        assert_eq!(format::group_id("root"), group_id_in(&group, "root"));
        assert_eq!(format::group_name(0), group_name_in(&group, 0));
    }
    assert_eq!(format::uname(4_000_000_000), "<unknown>");
}
