//! Shell-style pattern matching with the semantics of glibc's
//! `fnmatch(pattern, string, FNM_PATHNAME | FNM_LEADING_DIR)`.
//!
//! This is the matcher behind the policy language's `match` operator. It is
//! written from scratch in safe Rust; the goal is to return exactly what glibc
//! returns (in the C locale) for every pattern and string, including the odd
//! corners of malformed patterns, while never recursing deeply and never
//! taking more than polynomial time.
//!
//! The flags reproduced are:
//!
//! * `FNM_PATHNAME`: a `/` in the string is matched only by a literal `/` in
//!   the pattern, never by `*`, `?` or a bracket expression;
//! * `FNM_LEADING_DIR`: the pattern also matches when it matches an initial
//!   part of the string that is followed by `/` (so `/usr/lib` matches
//!   `/usr/lib/libc.so.12`, but not `/usr/libexec/x`).
//!
//! `FNM_PERIOD`, `FNM_NOESCAPE`, `FNM_CASEFOLD` and `FNM_EXTMATCH` are *not*
//! set: a leading `.` needs no explicit match, `\` quotes the next character,
//! case is significant and `@(...)`-style groups are plain characters.
//!
//! The pattern language:
//!
//! * `*` matches any run of bytes other than `/`; `?` matches one byte other
//!   than `/`;
//! * `\c` matches `c` literally; a lone trailing `\` matches nothing;
//! * `[...]` is a bracket expression: `!` or `^` first negates it, `]` first
//!   is literal, `a-z` is a byte range, `[:alpha:]` and the other eleven POSIX
//!   classes have their C-locale (ASCII) meaning, `[=c=]` and `[.c.]` name the
//!   single byte `c`, and `\` quotes the next byte;
//! * a `[` whose bracket expression is not closed is matched as a literal `[`,
//!   but a few malformed bracket contents (an unknown class name such as
//!   `[[:foo:]]`, a range with no upper end as in `[a-`, a trailing `\` inside
//!   the brackets) make the bracket match nothing, as in glibc.
//!
//! Matching works on bytes, like glibc in the C locale: `?` matches one byte
//! of a multi-byte UTF-8 character, and a bracket expression sees the
//! individual bytes of a non-ASCII character. Both the pattern and the string
//! end at their first NUL byte, as C strings do.
//!
//! Cost: because neither `*` nor `?` can cross a `/`, and because every
//! pattern element other than `*` consumes exactly one byte, only the most
//! recent `*` ever needs to be backtracked (glibc relies on the same fact).
//! Matching is therefore `O(len(pattern) * len(string))` in the worst case,
//! with bracket expressions evaluated through memoised tables so that chains
//! of unterminated `[` cannot multiply that bound.

use std::collections::HashMap;

/// True when `string` matches `pattern` as fnmatch(3) with
/// `FNM_PATHNAME | FNM_LEADING_DIR`.
///
/// Both arguments are matched as byte strings that end at their first NUL
/// byte (see the [module documentation](self) for the full semantics).
///
/// ```
/// # use systrace_policy::fnmatch::fnmatch;
/// assert!(fnmatch("/usr/lib", "/usr/lib/libc.so.12"));
/// assert!(!fnmatch("/usr/lib", "/usr/libexec/x"));
/// assert!(fnmatch("/tmp/*", "/tmp/a/b"));
/// assert!(fnmatch("/dev/tty[0-9]", "/dev/tty3"));
/// ```
pub fn fnmatch(pattern: &str, string: &str) -> bool {
    fnmatch_bytes(pattern.as_bytes(), string.as_bytes())
}

/// [`fnmatch`] on byte strings, for paths that are not valid UTF-8.
///
/// Each argument ends at its first NUL byte, if it has one.
pub fn fnmatch_bytes(pattern: &[u8], string: &[u8]) -> bool {
    Matcher {
        pat: until_nul(pattern),
        s: until_nul(string),
        brackets: None,
    }
    .run()
}

/// The prefix of `bytes` before its first NUL, as a C string would be seen.
fn until_nul(bytes: &[u8]) -> &[u8] {
    match bytes.iter().position(|&b| b == 0) {
        Some(end) => &bytes[..end],
        None => bytes,
    }
}

/// glibc's `CHARCLASS_NAME_MAX`: class names this long make the pattern
/// ill-formed.
const CLASS_NAME_MAX: usize = 2048;

/// The most recent `*`: where matching resumes when the rest fails.
#[derive(Debug, Clone, Copy)]
struct Star {
    /// Pattern index of the first element after the `*` (and its `?`s).
    resume: usize,
    /// Next string index to try the element at.
    next: usize,
    /// The string index of the first `/` at or after the star's start (or the
    /// string's length): the star cannot reach past it.
    limit: usize,
    /// The byte the element must see, when it is a (possibly quoted) literal.
    first: Option<u8>,
}

#[derive(Debug)]
struct Matcher<'a> {
    pat: &'a [u8],
    s: &'a [u8],
    /// Tables for bracket expressions, built on the first `[` met.
    brackets: Option<Brackets>,
}

impl Matcher<'_> {
    /// The pattern byte at `i`, or 0 past its end (the C terminator).
    fn at(&self, i: usize) -> u8 {
        self.pat.get(i).copied().unwrap_or(0)
    }

    fn run(&mut self) -> bool {
        let len = self.s.len();
        let mut p = 0;
        let mut n = 0;
        let mut star: Option<Star> = None;
        // The first `/` at or after the index of the latest star (or `len`).
        let mut slash = self.s.iter().position(|&b| b == b'/').unwrap_or(len);
        loop {
            let advanced = match self.at(p) {
                0 => {
                    if n == len || self.s[n] == b'/' {
                        return true;
                    }
                    false
                }
                b'?' => {
                    if n < len && self.s[n] != b'/' {
                        p += 1;
                        n += 1;
                        true
                    } else {
                        false
                    }
                }
                b'\\' => {
                    let quoted = self.at(p + 1);
                    if quoted != 0 && n < len && self.s[n] == quoted {
                        p += 2;
                        n += 1;
                        true
                    } else {
                        false
                    }
                }
                b'*' => {
                    // Everything before this star is settled for good: a
                    // later start for the previous star could only leave less
                    // for this one, within the same `/`-free stretch.
                    let mut q = p + 1;
                    let mut m = n;
                    loop {
                        match self.at(q) {
                            b'*' => q += 1,
                            b'?' => {
                                if m < len && self.s[m] != b'/' {
                                    m += 1;
                                    q += 1;
                                } else {
                                    // Settled as above: no retry can help.
                                    return false;
                                }
                            }
                            _ => break,
                        }
                    }
                    // Stars are met at ever later string indices, so the
                    // search for the next `/` never rescans a byte.
                    if m > slash {
                        slash = self.s[m..]
                            .iter()
                            .position(|&b| b == b'/')
                            .map_or(len, |i| m + i);
                    }
                    let limit = slash;
                    match self.at(q) {
                        // Trailing star: FNM_LEADING_DIR accepts whatever is
                        // left, slash or not.
                        0 => return true,
                        // `*/`: the star runs to the next `/`, and whatever
                        // follows must match after it; there is no choice
                        // left to retry.
                        b'/' => {
                            if limit == len {
                                return false;
                            }
                            p = q + 1;
                            n = limit + 1;
                            star = None;
                            true
                        }
                        c => {
                            let first = match c {
                                b'[' => None,
                                b'\\' => Some(self.at(q + 1)),
                                c => Some(c),
                            };
                            let mut next = Star {
                                resume: q,
                                next: m,
                                limit,
                                first,
                            };
                            match self.candidate(&mut next) {
                                Some(k) => {
                                    p = q;
                                    n = k;
                                    star = Some(next);
                                    true
                                }
                                None => return false,
                            }
                        }
                    }
                }
                b'[' => match self.bracket(p, self.s.get(n).copied()) {
                    Bracket::Matched(next) => {
                        p = next;
                        n += 1;
                        true
                    }
                    Bracket::Literal if n < len && self.s[n] == b'[' => {
                        p += 1;
                        n += 1;
                        true
                    }
                    Bracket::Literal | Bracket::Failed => false,
                },
                c => {
                    if n < len && self.s[n] == c {
                        p += 1;
                        n += 1;
                        true
                    } else {
                        false
                    }
                }
            };
            if !advanced {
                // Retry the element after the most recent star one byte
                // further on; with no star left to stretch, there is no match.
                let Some(mut st) = star else {
                    return false;
                };
                match self.candidate(&mut st) {
                    Some(k) => {
                        p = st.resume;
                        n = k;
                        star = Some(st);
                    }
                    None => return false,
                }
            }
        }
    }

    /// The next string index at which the element after `star` may start,
    /// advancing `star.next` past it.
    fn candidate(&self, star: &mut Star) -> Option<usize> {
        let k = (star.next..star.limit)
            .find(|&k| star.first.is_none_or(|first| self.s.get(k) == Some(&first)))?;
        star.next = k + 1;
        Some(k)
    }

    /// Evaluates the bracket expression whose `[` is at pattern index `open`
    /// against the string byte `byte` (`None` at the end of the string).
    fn bracket(&mut self, open: usize, byte: Option<u8>) -> Bracket {
        // A bracket expression never matches the end of the string nor a `/`,
        // and neither does its `[` taken literally.
        let Some(byte) = byte.filter(|&b| b != b'/') else {
            return Bracket::Failed;
        };
        let negated = matches!(self.at(open + 1), b'!' | b'^');
        let first = open + 1 + usize::from(negated);
        let pat = self.pat;
        let tables = self.brackets.get_or_insert_with(|| Brackets::new(pat));
        match tables.evaluate(pat, first, byte) {
            Outcome::Matched(end) if !negated => Bracket::Matched(end),
            Outcome::Unmatched(end) if negated => Bracket::Matched(end),
            Outcome::Matched(_) | Outcome::Unmatched(_) | Outcome::Fail => Bracket::Failed,
            Outcome::Unterminated => Bracket::Literal,
        }
    }
}

/// What a bracket expression does with one string byte.
#[derive(Debug, Clone, Copy)]
enum Bracket {
    /// The byte is accepted; the pattern goes on at this index.
    Matched(usize),
    /// The expression is not closed: its `[` is an ordinary character.
    Literal,
    /// The byte is rejected (or the expression is ill-formed).
    Failed,
}

/// How the items of a bracket expression, before negation, treat one byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// An item accepted the byte; the expression closes before this index.
    Matched(usize),
    /// No item accepted the byte; the expression closes before this index.
    Unmatched(usize),
    /// The pattern ended before a closing `]`.
    Unterminated,
    /// The expression is ill-formed where glibc looked at it.
    Fail,
}

/// Where glibc's scan for the closing `]` ends once an item has matched.
///
/// That scan reads the remaining items more loosely than matching does, so
/// it can close the expression, find it ill-formed, or run off its end.
#[derive(Debug, Clone, Copy)]
enum Skip {
    Close(usize),
    Unterminated,
    Fail,
}

/// A single-byte test of a bracket item.
#[derive(Debug, Clone, Copy)]
enum Test {
    Nothing,
    Byte(u8),
    Class(Class),
}

/// The range part of a bracket item.
#[derive(Debug, Clone, Copy)]
enum Range {
    Nothing,
    /// Bytes from the first to the second, inclusive (empty when reversed).
    Span(u8, u8),
    /// A range with no valid upper end: a byte not matched before it fails.
    Fail,
}

/// One item of a bracket expression, as parsed from a given pattern index.
#[derive(Debug, Clone, Copy)]
enum Item {
    /// The pattern ends here: the expression is unterminated.
    End,
    /// An ill-formed item (unknown class, trailing `\`, bad `[.x.]`).
    Fail,
    /// A byte, class, equivalence class or collating symbol, possibly
    /// followed by a range.
    Set {
        /// Tried first; on success the closing scan starts at `test_skip`.
        test: Test,
        test_skip: usize,
        /// Tried next; on success the closing scan starts at `next`.
        range: Range,
        /// Where the following item starts.
        next: usize,
    },
}

/// Per-pattern tables for bracket expressions: the item parsed at each
/// index, the result of the closing scan from each index, and a memo of the
/// outcome of the items from each index onwards for each byte seen so far.
///
/// The memo makes the cost of an evaluation amortised constant, however many
/// overlapping unterminated expressions a pattern holds.
#[derive(Debug)]
struct Brackets {
    items: Vec<Item>,
    skip: Vec<Skip>,
    memo: HashMap<(usize, u8), Outcome>,
}

impl Brackets {
    fn new(pat: &[u8]) -> Self {
        let len = pat.len();
        let at = |i: usize| pat.get(i).copied().unwrap_or(0);

        // Length of the run of bytes in `a..=y` starting at each index: what
        // glibc accepts in a class name (it tests `c < 'a' || c >= 'z'`, so a
        // `z` ends the name; no class name has one).
        let mut letters = vec![0usize; len + 1];
        for i in (0..len).rev() {
            if (b'a'..=b'y').contains(&pat[i]) {
                letters[i] = letters[i + 1] + 1;
            }
        }
        let run = |i: usize| letters.get(i).copied().unwrap_or(0);

        // Index of the first `.]` at or after each index.
        let mut dots = vec![None; len + 1];
        for i in (0..len).rev() {
            dots[i] = if pat[i] == b'.' && at(i + 1) == b']' {
                Some(i)
            } else {
                dots[i + 1]
            };
        }
        let dot_close = |i: usize| dots.get(i).copied().flatten();

        // The closing scan, from the end backwards: each step only moves on.
        let mut skip = vec![Skip::Unterminated; len + 1];
        for x in (0..len).rev() {
            let from = |i: usize| skip.get(i).copied().unwrap_or(Skip::Unterminated);
            skip[x] = match (pat[x], at(x + 1)) {
                (b']', _) => Skip::Close(x + 1),
                (b'\\', 0) => Skip::Fail,
                (b'\\', _) => from(x + 2),
                (b'[', b':') => {
                    let r = run(x + 2);
                    if r + 1 >= CLASS_NAME_MAX {
                        Skip::Fail
                    } else if at(x + 2 + r) == b':' && at(x + 3 + r) == b']' {
                        from(x + r + 4)
                    } else {
                        from(x + 1)
                    }
                }
                (b'[', b'=') => {
                    if at(x + 2) != 0 && at(x + 3) == b'=' && at(x + 4) == b']' {
                        from(x + 5)
                    } else {
                        Skip::Fail
                    }
                }
                (b'[', b'.') => match dot_close(x + 2) {
                    Some(i) => from(i + 2),
                    None => Skip::Fail,
                },
                _ => from(x + 1),
            };
        }

        let items = (0..=len)
            .map(|y| Self::parse_item(pat, y, &run, &dot_close))
            .collect();
        Brackets {
            items,
            skip,
            memo: HashMap::new(),
        }
    }

    /// Parses the bracket item starting at pattern index `y`.
    fn parse_item(
        pat: &[u8],
        y: usize,
        run: &dyn Fn(usize) -> usize,
        dot_close: &dyn Fn(usize) -> Option<usize>,
    ) -> Item {
        let at = |i: usize| pat.get(i).copied().unwrap_or(0);
        match (at(y), at(y + 1)) {
            (0, _) => Item::End,
            (b'\\', 0) => Item::Fail,
            (b'\\', quoted) => Self::plain(pat, quoted, y + 2, dot_close),
            (b'[', b':') => {
                let r = run(y + 2);
                if r >= CLASS_NAME_MAX {
                    Item::Fail
                } else if at(y + 2 + r) == b':' && at(y + 3 + r) == b']' {
                    match pat.get(y + 2..y + 2 + r).and_then(Class::from_name) {
                        Some(class) => Item::Set {
                            test: Test::Class(class),
                            test_skip: y + r + 4,
                            range: Range::Nothing,
                            next: y + r + 4,
                        },
                        None => Item::Fail,
                    }
                } else {
                    Self::plain(pat, b'[', y + 1, dot_close)
                }
            }
            (b'[', b'=') => {
                let equiv = at(y + 2);
                if equiv != 0 && at(y + 3) == b'=' && at(y + 4) == b']' {
                    Item::Set {
                        test: Test::Byte(equiv),
                        test_skip: y + 5,
                        range: Range::Nothing,
                        next: y + 5,
                    }
                } else {
                    Self::plain(pat, b'[', y + 1, dot_close)
                }
            }
            (b'[', b'.') => match dot_close(y + 2) {
                // In the C locale a collating symbol is a single byte.
                Some(i) if i == y + 3 => {
                    let symbol = at(y + 2);
                    let p = i + 2;
                    // Unlike for a plain byte, `-]` after a symbol counts as
                    // the start of a range (which then never happens).
                    let in_range = at(p) == b'-' && at(p + 1) != 0;
                    let test = if in_range {
                        Test::Nothing
                    } else {
                        Test::Byte(symbol)
                    };
                    Self::with_range(pat, test, symbol, p, dot_close)
                }
                _ => Item::Fail,
            },
            (c, _) => Self::plain(pat, c, y + 1, dot_close),
        }
    }

    /// The item for the byte `c`, whose source ends before index `p`.
    fn plain(pat: &[u8], c: u8, p: usize, dot_close: &dyn Fn(usize) -> Option<usize>) -> Item {
        let at = |i: usize| pat.get(i).copied().unwrap_or(0);
        let in_range = at(p) == b'-' && at(p + 1) != 0 && at(p + 1) != b']';
        let test = if in_range {
            Test::Nothing
        } else {
            Test::Byte(c)
        };
        Self::with_range(pat, test, c, p, dot_close)
    }

    /// Completes an item whose first byte `low` ends before index `p` with
    /// the range that may follow it.
    fn with_range(
        pat: &[u8],
        test: Test,
        low: u8,
        p: usize,
        dot_close: &dyn Fn(usize) -> Option<usize>,
    ) -> Item {
        let at = |i: usize| pat.get(i).copied().unwrap_or(0);
        let item = |range: Range, next: usize| Item::Set {
            test,
            test_skip: p,
            range,
            next,
        };
        if at(p) != b'-' || at(p + 1) == b']' {
            return item(Range::Nothing, p);
        }
        let mut high = at(p + 1);
        let mut q = p + 2;
        if high == b'[' && at(q) == b'.' {
            match dot_close(q + 1) {
                Some(i) if i == q + 2 => {
                    high = at(q + 1);
                    q = i + 2;
                }
                _ => return item(Range::Fail, q),
            }
        } else {
            if high == b'\\' {
                high = at(q);
                q += 1;
            }
            if high == 0 {
                return item(Range::Fail, q);
            }
        }
        item(Range::Span(low, high), q)
    }

    /// How the items from pattern index `first` onwards (the first item of an
    /// expression, just after its `[` or `[!`) treat `byte`.
    fn evaluate(&mut self, pat: &[u8], first: usize, byte: u8) -> Outcome {
        let mut y = first;
        let mut is_first = true;
        let mut visited = Vec::new();
        let outcome = loop {
            // A `]` first in the expression is an ordinary byte, so the first
            // item's outcome depends on its being first: only later items are
            // memoised.
            if !std::mem::take(&mut is_first) {
                if let Some(&known) = self.memo.get(&(y, byte)) {
                    break known;
                }
                if pat.get(y) == Some(&b']') {
                    break Outcome::Unmatched(y + 1);
                }
                visited.push(y);
            }
            match self.items.get(y).copied().unwrap_or(Item::End) {
                Item::End => break Outcome::Unterminated,
                Item::Fail => break Outcome::Fail,
                Item::Set {
                    test,
                    test_skip,
                    range,
                    next,
                } => {
                    let hit = match test {
                        Test::Nothing => false,
                        Test::Byte(b) => b == byte,
                        Test::Class(class) => class.contains(byte),
                    };
                    let skip_from = if hit {
                        test_skip
                    } else {
                        match range {
                            Range::Span(low, high) if low <= byte && byte <= high => next,
                            Range::Fail => break Outcome::Fail,
                            Range::Span(..) | Range::Nothing => {
                                y = next;
                                continue;
                            }
                        }
                    };
                    break match self.skip.get(skip_from).copied() {
                        Some(Skip::Close(end)) => Outcome::Matched(end),
                        Some(Skip::Fail) => Outcome::Fail,
                        Some(Skip::Unterminated) | None => Outcome::Unterminated,
                    };
                }
            }
        };
        for y in visited {
            self.memo.insert((y, byte), outcome);
        }
        outcome
    }
}

/// The POSIX character classes, with their C-locale meaning.
#[derive(Debug, Clone, Copy)]
enum Class {
    Alnum,
    Alpha,
    Blank,
    Cntrl,
    Digit,
    Graph,
    Lower,
    Print,
    Punct,
    Space,
    Upper,
    Xdigit,
}

impl Class {
    fn from_name(name: &[u8]) -> Option<Self> {
        Some(match name {
            b"alnum" => Class::Alnum,
            b"alpha" => Class::Alpha,
            b"blank" => Class::Blank,
            b"cntrl" => Class::Cntrl,
            b"digit" => Class::Digit,
            b"graph" => Class::Graph,
            b"lower" => Class::Lower,
            b"print" => Class::Print,
            b"punct" => Class::Punct,
            b"space" => Class::Space,
            b"upper" => Class::Upper,
            b"xdigit" => Class::Xdigit,
            _ => return None,
        })
    }

    fn contains(self, b: u8) -> bool {
        match self {
            Class::Alnum => b.is_ascii_alphanumeric(),
            Class::Alpha => b.is_ascii_alphabetic(),
            Class::Blank => b == b' ' || b == b'\t',
            Class::Cntrl => b.is_ascii_control(),
            Class::Digit => b.is_ascii_digit(),
            Class::Graph => b.is_ascii_graphic(),
            Class::Lower => b.is_ascii_lowercase(),
            Class::Print => b.is_ascii_graphic() || b == b' ',
            Class::Punct => b.is_ascii_punctuation(),
            // Unlike `u8::is_ascii_whitespace`, C's isspace includes `\v`.
            Class::Space => matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'),
            Class::Upper => b.is_ascii_uppercase(),
            Class::Xdigit => b.is_ascii_hexdigit(),
        }
    }
}
