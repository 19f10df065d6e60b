//! The embedded knowledge base is complete and consistent.

use sipfix::kb::{Class, Kb, validate};

/// The IANA "Response Codes" registry of the SIP parameters registry, with
/// each reason phrase exactly as IANA spells it.
const IANA: &[(u16, &str)] = &[
    (100, "Trying"),
    (180, "Ringing"),
    (181, "Call Is Being Forwarded"),
    (182, "Queued"),
    (183, "Session Progress"),
    (199, "Early Dialog Terminated"),
    (200, "OK"),
    (202, "Accepted"),
    (204, "No Notification"),
    (300, "Multiple Choices"),
    (301, "Moved Permanently"),
    (302, "Moved Temporarily"),
    (305, "Use Proxy"),
    (380, "Alternative Service"),
    (400, "Bad Request"),
    (401, "Unauthorized"),
    (402, "Payment Required"),
    (403, "Forbidden"),
    (404, "Not Found"),
    (405, "Method Not Allowed"),
    (406, "Not Acceptable"),
    (407, "Proxy Authentication Required"),
    (408, "Request Timeout"),
    (410, "Gone"),
    (412, "Conditional Request Failed"),
    (413, "Request Entity Too Large"),
    (414, "Request-URI Too Long"),
    (415, "Unsupported Media Type"),
    (416, "Unsupported URI Scheme"),
    (417, "Unknown Resource-Priority"),
    (420, "Bad Extension"),
    (421, "Extension Required"),
    (422, "Session Interval Too Small"),
    (423, "Interval Too Brief"),
    (424, "Bad Location Information"),
    (425, "Bad Alert Message"),
    (428, "Use Identity Header"),
    (429, "Provide Referrer Identity"),
    (430, "Flow Failed"),
    (433, "Anonymity Disallowed"),
    (436, "Bad Identity Info"),
    (437, "Unsupported Credential"),
    (438, "Invalid Identity Header"),
    (439, "First Hop Lacks Outbound Support"),
    (440, "Max-Breadth Exceeded"),
    (469, "Bad Info Package"),
    (470, "Consent Needed"),
    (480, "Temporarily Unavailable"),
    (481, "Call/Transaction Does Not Exist"),
    (482, "Loop Detected"),
    (483, "Too Many Hops"),
    (484, "Address Incomplete"),
    (485, "Ambiguous"),
    (486, "Busy Here"),
    (487, "Request Terminated"),
    (488, "Not Acceptable Here"),
    (489, "Bad Event"),
    (491, "Request Pending"),
    (493, "Undecipherable"),
    (494, "Security Agreement Required"),
    (500, "Server Internal Error"),
    (501, "Not Implemented"),
    (502, "Bad Gateway"),
    (503, "Service Unavailable"),
    (504, "Server Time-out"),
    (505, "Version Not Supported"),
    (513, "Message Too Large"),
    (555, "Push Notification Service Not Supported"),
    (580, "Precondition Failure"),
    (600, "Busy Everywhere"),
    (603, "Decline"),
    (604, "Does Not Exist Anywhere"),
    (606, "Not Acceptable"),
    (607, "Unwanted"),
    (608, "Rejected"),
];

fn kb() -> &'static Kb {
    Kb::embedded()
}

#[test]
fn registry_has_75_codes() {
    assert_eq!(IANA.len(), 75);
}

#[test]
fn every_registry_code_present_with_registered_phrase() {
    let mut missing = Vec::new();
    for (code, phrase) in IANA {
        match kb().get(*code) {
            None => missing.push(format!("{code} missing")),
            Some(e) => {
                if e.reason != *phrase {
                    missing.push(format!("{code}: '{}' != '{phrase}'", e.reason));
                }
                if !e.registered {
                    missing.push(format!("{code} marked unregistered"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn unregistered_entries_are_marked() {
    for e in kb().codes() {
        let in_registry = IANA.iter().any(|(c, _)| *c == e.code);
        assert_eq!(
            e.registered, in_registry,
            "code {} registered flag disagrees with the registry",
            e.code
        );
    }
}

#[test]
fn knowledge_base_validates() {
    let problems = validate(kb());
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn accepted_is_deprecated_by_rfc_6665() {
    let e = kb().get(202).unwrap();
    assert!(e.deprecated);
    assert!(e.deprecated_note.as_deref().unwrap().contains("RFC 6665"));
    assert!(e.references.iter().any(|r| r.starts_with("RFC 6665")));
}

#[test]
fn failure_codes_have_three_steps_others_one() {
    for e in kb().codes() {
        let min = match Class::of(e.code).unwrap() {
            Class::ClientFailure | Class::ServerFailure | Class::GlobalFailure => 3,
            _ => 1,
        };
        assert!(
            e.steps.len() >= min,
            "code {} has {} steps",
            e.code,
            e.steps.len()
        );
    }
}

#[test]
fn unknown_code_falls_back_to_class_x00() {
    let l = kb().lookup(499).unwrap();
    assert!(l.fallback);
    assert_eq!(l.entry.code, 400);
    let l = kb().lookup(699).unwrap();
    assert_eq!(l.entry.code, 600);
    assert!(kb().lookup(700).is_err());
    assert!(kb().lookup(99).is_err());
}

#[test]
fn embedded_base_equals_the_toml_sources() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let disk = Kb::load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    let emb = kb();
    assert_eq!(disk.len(), emb.len());
    for e in emb.codes() {
        assert_eq!(
            Some(e),
            disk.get(e.code),
            "code {} differs from its TOML",
            e.code
        );
    }
    assert_eq!(disk.causes, emb.causes);
    assert_eq!(disk.sip_to_cause, emb.sip_to_cause);
    assert_eq!(disk.pairs, emb.pairs);
}

#[test]
fn toml_errors_carry_file_and_line() {
    let bad = "[[code]]\ncode = 486\nreason = 5\n";
    let e = sipfix::kb::parse_toml::<sipfix::kb::CodeFile>("x.toml", bad).unwrap_err();
    assert_eq!(e.file, "x.toml");
    assert_eq!(e.line, Some(3));
    assert!(e.to_string().starts_with("x.toml:3:"), "{e}");
}
