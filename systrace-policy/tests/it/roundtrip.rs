//! parse(print(p)) == p for every policy.

use proptest::prelude::*;
use systrace_policy::ast::{
    Action, Cmp, Elevate, Expr, Id, Op, PermitFlag, PolicyFile, PredOp, Predicate, Rule, RuleLine,
    Section, Span, Subject,
};
use systrace_policy::errno::Errno;
use systrace_policy::parse::{parse_file, parse_rule};

const KEYWORDS: &[&str] = &[
    "and", "or", "not", "true", "then", "permit", "deny", "ask", "kill", "log", "as", "if", "eq",
    "neq", "sub", "nsub", "match", "inpath", "re",
];

fn ident() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,8}".prop_filter("not a keyword", |s| !KEYWORDS.contains(&s.as_str()))
}

fn value() -> impl Strategy<Value = String> {
    prop::string::string_regex("[ -~\\t\\n\\r\"\\\\#é→]{0,16}").expect("valid regex")
}

fn id() -> impl Strategy<Value = Id> {
    prop_oneof![
        any::<u32>().prop_map(Id::Number),
        "[a-z_][a-z0-9_.-]{0,6}".prop_map(Id::Name)
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop::sample::select(Op::ALL.to_vec())
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        1 => Just(Expr::True(Span::default())),
        4 => (ident(), prop::option::of(0u8..10), op(), value()).prop_map(|(translator, index, op, value)| {
            Expr::Cmp(Cmp { translator, index, op, value, span: Span::default() })
        }),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Expr::Or(Box::new(a), Box::new(b))),
        ]
    })
}

fn action() -> impl Strategy<Value = Action> {
    let errnos: Vec<Errno> = Errno::all().collect();
    prop_oneof![
        prop::sample::select(vec![
            PermitFlag::None,
            PermitFlag::Inherit,
            PermitFlag::Detach
        ])
        .prop_map(Action::Permit),
        prop::option::of(prop::sample::select(errnos)).prop_map(Action::Deny),
        Just(Action::Ask),
        Just(Action::Kill),
    ]
}

fn rule() -> impl Strategy<Value = Rule> {
    let elevate = (prop::option::of(id()), prop::option::of(id()))
        .prop_filter("as needs a user or a group", |(u, g)| {
            u.is_some() || g.is_some()
        })
        .prop_map(|(user, group)| Elevate {
            user,
            group,
            span: Span::default(),
        });
    let predicate = (
        prop::bool::ANY,
        prop::sample::select(vec![PredOp::Eq, PredOp::Ne, PredOp::Lt, PredOp::Gt]),
        id(),
    )
        .prop_map(|(user, op, id)| Predicate {
            subject: if user { Subject::User } else { Subject::Group },
            op,
            id,
            span: Span::default(),
        });
    (
        prop::option::of(expr()),
        action(),
        any::<bool>(),
        prop::option::of(elevate),
        prop::option::of(predicate),
    )
        .prop_map(|(filter, action, log, elevate, predicate)| Rule {
            filter,
            action,
            log,
            elevate,
            predicate,
        })
}

fn section() -> impl Strategy<Value = Section> {
    let name = prop_oneof!["/[a-zA-Z0-9_./ -]{0,12}", "\\*/[a-z0-9.]{1,6}"];
    let emulation = prop::sample::select(vec!["linux64", "linux", "native"]);
    let call = "[a-z_][a-z0-9_]{0,6}(-#?[0-9]{1,3})?";
    (
        name,
        emulation,
        any::<bool>(),
        prop::collection::vec((call, rule()), 0..5),
    )
        .prop_map(|(name, emulation, detached, rules)| Section {
            rules: rules
                .into_iter()
                .map(|(syscall, rule)| RuleLine {
                    emulation: emulation.to_string(),
                    syscall,
                    rule,
                    span: Span::default(),
                })
                .collect(),
            name,
            emulation: emulation.to_string(),
            detached,
            span: Span::default(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn files_round_trip(sections in prop::collection::vec(section(), 0..4)) {
        let file = PolicyFile { sections };
        let printed = file.to_string();
        let parsed = parse_file(&printed, "printed").map_err(|e| TestCaseError::fail(format!("{e}\n{printed}")))?;
        prop_assert_eq!(&parsed, &file, "printed:\n{}", printed);
        prop_assert_eq!(parsed.to_string(), printed);
    }

    #[test]
    fn rules_round_trip(rule in rule()) {
        let printed = rule.to_string();
        let parsed = parse_rule(&printed).map_err(|e| TestCaseError::fail(format!("{e}\n{printed}")))?;
        prop_assert_eq!(parsed, rule);
    }
}
