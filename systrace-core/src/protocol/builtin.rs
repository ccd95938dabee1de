//! The templates `templates` lists when there is no template directory
//! (neither `~/.systrace/templates` nor `/etc/systrace/templates`): rule
//! sets most programs need, for the machine's 64-bit ABI (`linux64`).
//! Paths are matched as the kernel resolves them, so each names the real
//! directories (`/lib` is usually a link to `/usr/lib`).

use super::templates::{Template, parse_template};

/// The text of each built-in template, in the file format.
const TEXTS: [&str; 4] = [
    "Template: libraries, Emulation: linux64, Description: load shared libraries (the loader's cache, the library directories, mapping them)
linux64-fsread: filename eq \"/etc/ld.so.cache\" then permit
linux64-fsread: filename eq \"/etc/ld.so.preload\" then permit
linux64-fsread: filename match \"/usr/lib/*\" then permit
linux64-fsread: filename match \"/usr/lib64/*\" then permit
linux64-fsread: filename match \"/usr/local/lib/*\" then permit
linux64-fsread: filename match \"/lib/*\" then permit
linux64-fsread: filename match \"/lib64/*\" then permit
linux64-mmap: permit
linux64-mprotect: permit
linux64-munmap: permit
linux64-brk: permit
linux64-read: permit
linux64-pread64: permit
linux64-fstat: permit
linux64-close: permit
",
    "Template: locale, Emulation: linux64, Description: read locale, character set and time zone data
linux64-fsread: filename match \"/usr/lib/locale/*\" then permit
linux64-fsread: filename match \"/usr/share/locale/*\" then permit
linux64-fsread: filename match \"/usr/share/i18n/*\" then permit
linux64-fsread: filename match \"/usr/share/zoneinfo/*\" then permit
linux64-fsread: filename eq \"/etc/localtime\" then permit
linux64-fsread: filename eq \"/etc/timezone\" then permit
",
    "Template: terminal, Emulation: linux64, Description: use the terminal (standard streams, /dev/tty, pseudo-terminals, terminal ioctls)
linux64-read: permit
linux64-write: permit
linux64-ioctl: permit
linux64-fsread: filename eq \"/dev/tty\" then permit
linux64-fswrite: filename eq \"/dev/tty\" then permit
linux64-fsread: filename match \"/dev/pts/*\" then permit
linux64-fswrite: filename match \"/dev/pts/*\" then permit
",
    "Template: name-service, Emulation: linux64, Description: look up users, groups and host names in the files of /etc
linux64-fsread: filename eq \"/etc/nsswitch.conf\" then permit
linux64-fsread: filename eq \"/etc/passwd\" then permit
linux64-fsread: filename eq \"/etc/group\" then permit
linux64-fsread: filename eq \"/etc/hosts\" then permit
linux64-fsread: filename eq \"/etc/host.conf\" then permit
linux64-fsread: filename eq \"/etc/resolv.conf\" then permit
linux64-fsread: filename eq \"/etc/gai.conf\" then permit
",
];

/// The built-in templates, in the order `template N` numbers them.
pub fn builtin_templates() -> Vec<Template> {
    TEXTS
        .iter()
        .filter_map(|text| parse_template(text).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_parses() {
        let names: Vec<String> = builtin_templates().into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["libraries", "locale", "terminal", "name-service"]);
    }
}
