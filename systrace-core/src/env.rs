//! The values `$HOME`, `$USER` and `$CWD` take in policies, and user and
//! group names, for the user systrace runs as.

use systrace_policy::Environment;

use crate::format;

/// systrace's own user, home and working directory, read once.
#[derive(Clone, Debug, Default)]
pub struct SystemEnvironment {
    home: Option<String>,
    user: Option<String>,
    cwd: Option<String>,
}

/// The real uid of this process, from `/proc/self/status`.
pub fn current_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("Uid:"))?;
    line.split_whitespace().next()?.parse().ok()
}

impl SystemEnvironment {
    /// Read the current user's values: `$HOME` is the home directory of the
    /// password entry (the `HOME` variable when there is none), `$USER` its
    /// name (`uid N` when there is none), `$CWD` the working directory with
    /// every symlink resolved.
    pub fn current() -> SystemEnvironment {
        let uid = current_uid();
        let passwd = std::fs::read_to_string(format::PASSWD_PATH).unwrap_or_default();
        let entry = uid.and_then(|uid| {
            passwd
                .lines()
                .map(|l| l.split(':').collect::<Vec<_>>())
                .find(|f| f.len() >= 7 && f[2].parse::<u32>().ok() == Some(uid))
        });
        let home = entry
            .as_ref()
            .map(|f| f[5].to_string())
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOME").ok());
        let user = entry
            .as_ref()
            .map(|f| f[0].to_string())
            .or_else(|| uid.map(|u| format!("uid {u}")));
        let cwd = std::env::current_dir()
            .and_then(std::fs::canonicalize)
            .ok()
            .map(|p| p.display().to_string());
        SystemEnvironment { home, user, cwd }
    }

    /// An environment with explicit values, for tests and embedding.
    pub fn with(home: Option<&str>, user: Option<&str>, cwd: Option<&str>) -> SystemEnvironment {
        SystemEnvironment {
            home: home.map(str::to_string),
            user: user.map(str::to_string),
            cwd: cwd.map(str::to_string),
        }
    }
}

impl Environment for SystemEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        match name {
            "HOME" => self.home.clone(),
            "USER" => self.user.clone(),
            "CWD" => self.cwd.clone(),
            _ => None,
        }
    }

    fn user_id(&self, name: &str) -> Option<u32> {
        format::user_id(name)
    }

    fn group_id(&self, name: &str) -> Option<u32> {
        format::group_id(name)
    }
}
