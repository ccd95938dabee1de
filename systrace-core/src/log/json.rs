//! A JSON object written field by field, on one line (RFC 8259).

use std::fmt::Write as _;

/// One JSON object under construction: `{"a":1,"b":"x"}`.
#[derive(Debug, Default)]
pub(crate) struct Object {
    text: String,
}

impl Object {
    pub(crate) fn new() -> Object {
        Object::default()
    }

    fn key(&mut self, key: &str) {
        self.text.push(if self.text.is_empty() { '{' } else { ',' });
        string(&mut self.text, key);
        self.text.push(':');
    }

    /// A string field; `None` is `null`.
    pub(crate) fn str(&mut self, key: &str, value: Option<&str>) -> &mut Object {
        self.key(key);
        match value {
            Some(v) => string(&mut self.text, v),
            None => self.text.push_str("null"),
        }
        self
    }

    /// A number field; `None` is `null`.
    pub(crate) fn num(&mut self, key: &str, value: Option<i64>) -> &mut Object {
        self.key(key);
        match value {
            Some(v) => {
                let _ = write!(self.text, "{v}");
            }
            None => self.text.push_str("null"),
        }
        self
    }

    /// An object of string values (`null` for `None`), keys in this order.
    pub(crate) fn map(&mut self, key: &str, pairs: &[(String, Option<String>)]) -> &mut Object {
        let mut inner = Object::new();
        for (k, v) in pairs {
            inner.str(k, v.as_deref());
        }
        self.key(key);
        self.text.push_str(&inner.finish());
        self
    }

    /// The object's text, without a newline.
    pub(crate) fn finish(mut self) -> String {
        if self.text.is_empty() {
            self.text.push('{');
        }
        self.text.push('}');
        self.text
    }
}

/// `value` as a JSON string: quoted, with `"`, `\` and every control
/// character escaped. Everything else is written as it is (UTF-8).
fn string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_in_order_and_escaped() {
        let mut o = Object::new();
        o.str("a", Some("x\"y\\z\n\u{1b}é"))
            .num("n", Some(-4))
            .str("none", None)
            .map("args", &[("filename".into(), Some("/t".into()))]);
        assert_eq!(
            o.finish(),
            r#"{"a":"x\"y\\z\n\u001bé","n":-4,"none":null,"args":{"filename":"/t"}}"#
        );
        assert_eq!(Object::new().finish(), "{}");
    }
}
