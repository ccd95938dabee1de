//! Scripts: the interpreter a `#!` line names.

/// How many bytes of a file the kernel's `binfmt_script` looks at.
pub const HEAD: usize = 256;

/// The interpreter of a file that starts with `head`, if it is a script:
/// as the kernel takes it, after `#!` and blanks, up to the next blank or
/// the line's end.
pub fn interpreter(head: &[u8]) -> Option<Vec<u8>> {
    let rest = head.strip_prefix(b"#!")?;
    let line = rest.split(|&b| b == b'\n').next()?;
    let name: Vec<u8> = line
        .iter()
        .copied()
        .skip_while(|&b| b == b' ' || b == b'\t')
        .take_while(|&b| b != b' ' && b != b'\t' && b != 0)
        .collect();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpreters_are_read_as_the_kernel_reads_them() {
        assert_eq!(interpreter(b"#!/bin/sh\necho"), Some(b"/bin/sh".to_vec()));
        assert_eq!(
            interpreter(b"#! \t/usr/bin/env python3 -u\n"),
            Some(b"/usr/bin/env".to_vec())
        );
        assert_eq!(interpreter(b"#!\n"), None);
        assert_eq!(interpreter(b"\x7fELF"), None);
    }
}
