//! Free text: escaping values for event lines and learned rules, and
//! `execve`'s argument vector (`argv`).

/// Escapes a value for an event line or for the quoted string of a learned
/// rule (spec §6.2): `\` becomes `\\`, `"` becomes `\"`, newline becomes
/// `\n`, carriage return becomes `\r`. Every other character, other control
/// characters included, is kept as it is.
///
/// The policy lexer's quoted strings undo exactly this, so a value escaped
/// here and read back as a rule's string compares equal to the original.
pub fn escape(value: &str) -> String {
    let extra = value
        .bytes()
        .filter(|b| matches!(b, b'\\' | b'"' | b'\n' | b'\r'))
        .count();
    if extra == 0 {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len() + extra);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// Prints bytes the kernel takes as a name (a path, a socket path, a
/// string argument) as a translated value: text that stands for exactly
/// those bytes, so that different names never look alike. UTF-8 is kept;
/// a byte that is not part of valid UTF-8, or a control character, is
/// written `\xNN` (two lowercase hex digits), and a backslash `\\`.
///
/// `/tmp/a\xffb` names the bytes `/tmp/a`, 0xff, `b`; `/tmp/a\\xffb`
/// the seven characters with a backslash in the middle.
pub fn bytes(raw: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(raw.len());
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(out, "\\x{b:02x}");
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// Prints `execve`'s argument vector as the `argv` translator does: every
/// argument, joined with single spaces and otherwise unchanged (so
/// `["a b", "c"]` and `["a", "b", "c"]` print alike, as in the original).
pub fn argv<S: AsRef<str>>(args: &[S]) -> String {
    let len = args.iter().map(|a| a.as_ref().len() + 1).sum::<usize>();
    let mut out = String::with_capacity(len.saturating_sub(1));
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(arg.as_ref());
    }
    out
}
