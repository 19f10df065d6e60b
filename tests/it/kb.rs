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
    // A provisional code is read as 183, not 100 (RFC 3261 §8.1.3.2).
    let l = kb().lookup(150).unwrap();
    assert!(l.fallback);
    assert_eq!(l.entry.code, 183);
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
    assert_eq!(disk.deviations, emb.deviations);
    assert_eq!(disk.warn_codes, emb.warn_codes);
    assert_eq!(disk.methods, emb.methods);
    assert_eq!(disk.option_tags, emb.option_tags);
    // Every field of every entry, as the JSON the types serialise to: a
    // field the generated source dropped or mangled shows up here.
    let json = |k: &Kb| {
        let codes: Vec<_> = k.codes().collect();
        serde_json::to_value((&codes, &k.causes.values().collect::<Vec<_>>(), &k.pairs)).unwrap()
    };
    assert_eq!(json(&disk), json(emb));
}

#[test]
fn embedded_tables_are_sorted_for_lookup() {
    let k = kb();
    let codes: Vec<u16> = k.codes().map(|e| e.code).collect();
    assert!(codes.windows(2).all(|w| w[0] < w[1]), "{codes:?}");
    assert!(
        k.causes
            .keys()
            .zip(k.causes.keys().skip(1))
            .all(|(a, b)| a < b)
    );
    assert!(
        k.sip_to_cause
            .keys()
            .zip(k.sip_to_cause.keys().skip(1))
            .all(|(a, b)| a < b)
    );
    assert!(
        k.warn_codes
            .keys()
            .zip(k.warn_codes.keys().skip(1))
            .all(|(a, b)| a < b)
    );
    // Every row is found by its key.
    assert!(
        k.codes()
            .all(|e| k.get(e.code).is_some_and(|g| g.code == e.code))
    );
    assert!(k.causes.values().all(|c| k.cause(c.cause).is_some()));
}

#[test]
fn toml_errors_carry_file_and_line() {
    let bad = "[[code]]\ncode = 486\nreason = 5\n";
    let e = sipfix::kb::parse_toml::<sipfix::kb::CodeFile>("x.toml", bad).unwrap_err();
    assert_eq!(e.file, "x.toml");
    assert_eq!(e.line, Some(3));
    assert!(e.to_string().starts_with("x.toml:3:"), "{e}");
}

// ---- Corrections of the knowledge-accuracy review ----------------------

fn sipfix_json(args: &[&str]) -> serde_json::Value {
    let o = crate::common::sipfix("C.UTF-8")
        .args(args)
        .env(
            "SIPFIX_DATA_DIR",
            std::env::temp_dir().join("sipfix-kb-test-unused"),
        )
        .output()
        .expect("run sipfix");
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("valid JSON")
}

fn text(d: &sipfix::doc::Doc) -> String {
    sipfix::render::to_text(
        d,
        sipfix::render::TextStyle {
            width: 200,
            color: false,
            ascii: false,
        },
    )
}

/// Every text a code entry shows, joined (description, when, steps...).
fn entry_text(code: u16) -> String {
    let e = kb().get(code).unwrap();
    let mut s = vec![e.description.clone(), e.retry.clone(), e.summary.clone()];
    s.extend(e.when.iter().cloned());
    s.extend(e.forking.iter().cloned());
    s.extend(e.deprecated_note.iter().cloned());
    for st in &e.steps {
        s.push(st.title.clone());
        s.push(st.detail.clone());
    }
    s.join("\n")
}

fn compare_text(a: u16, b: u16) -> String {
    let k = kb();
    let c = sipfix::compare::compare(k, k.lookup(a).unwrap(), k.lookup(b).unwrap()).unwrap();
    text(&sipfix::doc::compare(&c))
}

#[test]
fn asterisk_pjsip_reports_cause_3_not_20_for_an_unreachable_480_target() {
    let v = sipfix_json(&["show", "480", "--json"]);
    let when = v["when"].to_string();
    assert!(when.contains("cause 3"), "{when}");
    assert!(!when.contains("cause 20 - Subscriber absent"), "{when}");
}

#[test]
fn q850_cause_without_a_row_gets_the_default_500() {
    for cause in ["63", "24"] {
        let v = sipfix_json(&["q850", cause, "--json"]);
        assert_eq!(v["sip"], serde_json::json!([500]), "cause {cause}");
        assert_eq!(v["default"], true, "cause {cause}");
    }
    let listed = sipfix_json(&["q850", "17", "--json"]);
    assert_eq!(listed["sip"], serde_json::json!([486]));
    assert_eq!(listed["default"], false);
    // 16 and 44 are in the table without a response: no default for them.
    for cause in ["16", "44"] {
        let v = sipfix_json(&["q850", cause, "--json"]);
        assert_eq!(v["sip"], serde_json::json!([]), "cause {cause}");
        assert_eq!(v["default"], false, "cause {cause}");
    }
}

#[test]
fn q850_sip_code_without_a_row_gets_the_default_cause_31() {
    let v = sipfix_json(&["q850", "--sip", "422", "--json"]);
    assert_eq!(v["cause"], 31);
    assert_eq!(v["default"], true);
    let listed = sipfix_json(&["q850", "--sip", "423", "--json"]);
    assert_eq!(listed["cause"], 127);
    assert_eq!(listed["default"], false);
    // The show command carries the same flag.
    let show = sipfix_json(&["show", "422", "--json"]);
    assert_eq!(show["q850"]["cause"], 31);
    assert_eq!(show["q850"]["default"], true);
}

#[test]
fn q850_488_and_606_give_31_by_default_and_65_for_bearer_capability() {
    for code in ["488", "606"] {
        let v = sipfix_json(&["q850", "--sip", code, "--json"]);
        assert_eq!(v["cause"], 31, "{code}");
        assert_eq!(v["default"], true, "{code}");
        assert_eq!(v["alternative"]["cause"], 65, "{code}");
        assert!(v["note"].as_str().unwrap().contains("bearer"), "{code}");
    }
    let e = entry_text(606);
    assert!(!e.contains("maps to Q.850 cause 58"), "{e}");
}

#[test]
fn q850_never_says_no_mapping_where_rfc_3398_has_a_default() {
    let k = kb();
    for c in k.causes.values() {
        let t = text(&sipfix::doc::q850_cause(k, c));
        let (sip, default) = k.sip_for_cause(c);
        assert!(
            !sip.is_empty() || c.sip_none,
            "cause {} has no SIP response and is not marked sip_none",
            c.cause
        );
        assert_eq!(
            default,
            c.sip.is_empty() && !c.sip_none,
            "cause {}",
            c.cause
        );
        assert!(
            !t.contains("gives no SIP response"),
            "cause {}: {t}",
            c.cause
        );
    }
    for code in 400..=699u16 {
        let m = k.sip_mapping(code);
        if code == 487 {
            assert!(m.cause.is_none(), "487 has an explicit 'no mapping' row");
            continue;
        }
        assert!(m.cause.is_some(), "SIP {code} has no cause");
        let t = text(&sipfix::doc::q850_for_sip(k, code));
        assert!(!t.contains("gives no cause"), "SIP {code}: {t}");
    }
    assert!(k.sip_mapping(183).cause.is_none(), "1xx are not failures");
}

#[test]
fn compare_422_423_uses_the_default_cause_consistently() {
    let t = compare_text(422, 423);
    assert!(t.contains("cause 31"), "{t}");
    assert!(!t.contains("has no mapping there"), "{t}");
    // A derived comparison speaks of the default the same way.
    let d = compare_text(422, 480);
    assert!(d.contains("default cause 31"), "{d}");
    assert!(!d.contains("gives no cause"), "{d}");
}

#[test]
fn derived_class_line_is_grammatical() {
    let t = compare_text(410, 413);
    assert!(t.contains("Both are 4xx request failures"), "{t}");
    assert!(!t.contains("Both are a "), "{t}");
}

#[test]
fn cancel_without_transaction_is_forwarded_statelessly() {
    let e = kb().get(481).unwrap();
    let f = e.forking.as_deref().unwrap();
    assert!(f.contains("statelessly"), "{f}");
    assert!(!f.contains("first hop that could not find"), "{f}");
    assert!(e.description.contains("should terminate the dialog"));
    assert!(!e.description.contains("must consider the dialog dead"));
}

#[test]
fn sec_agree_494_is_the_normal_second_step() {
    let d = &kb().get(494).unwrap().description;
    assert!(d.contains("both Require and"), "{d}");
    assert!(d.contains("normal second step"), "{d}");
    assert!(!d.contains("skipped or broke the agreement"), "{d}");
}

#[test]
fn unknown_199_is_handled_like_183_and_needs_supported() {
    let e = kb().get(199).unwrap();
    assert!(e.description.contains("183"), "{}", e.description);
    assert!(e.description.contains("Supported"));
    assert!(!e.description.contains("simply ignores it"));
    assert!(e.references.iter().any(|r| r == "RFC 6228 §5"));
}

#[test]
fn no_notification_204_is_only_for_in_dialog_subscribe() {
    let e = kb().get(204).unwrap();
    let d = &e.description;
    assert!(
        d.contains("inside") && d.contains("existing subscription dialog"),
        "{d}"
    );
    assert!(d.contains("never") && d.contains("gets 204"), "{d}");
    assert!(!d.contains("created or refreshed"), "{d}");
    assert!(e.references.iter().any(|r| r == "RFC 6665 §4.1.2.2"));
    assert!(!entry_text(204).contains("after a restart with a cached entity-tag"));
}

#[test]
fn error_headers_of_424_and_425_are_mandatory() {
    let t = entry_text(424);
    assert!(t.contains("must carry a Geolocation-Error"), "{t}");
    assert!(!t.contains("should carry a Geolocation-Error"), "{t}");
    assert!(t.contains("202: Geolocation-Routing: no"), "{t}");
    let t = entry_text(425);
    assert!(t.contains("must include an AlertMsg-Error"), "{t}");
    assert!(!t.contains("should include an AlertMsg-Error"), "{t}");
}

#[test]
fn a_proxy_without_the_push_service_forwards_the_register() {
    let d = &kb().get(555).unwrap().description;
    assert!(d.contains("passes the REGISTER on"), "{d}");
    assert!(d.contains("only when it knows that no proxy"), "{d}");
    assert!(!d.contains("rejects the REGISTER with 555"), "{d}");
}

#[test]
fn max_breadth_must_be_added_by_a_proxy_that_finds_none() {
    let t = entry_text(440);
    assert!(t.contains("none must add one"), "{t}");
    assert!(!t.contains("commonly starts from 60"), "{t}");
}

#[test]
fn overlap_digits_not_the_484_trigger_the_next_invite() {
    let t = entry_text(484);
    assert!(t.contains("each time further digits arrive"), "{t}");
    assert!(!t.contains("expects 484 until"), "{t}");
    let c = compare_text(484, 404);
    assert!(c.contains("each new digit triggers a new INVITE"), "{c}");
    assert!(!c.contains("484 drives overlap sending"), "{c}");
}

#[test]
fn option_tag_summaries_say_where_the_tag_is_used() {
    let k = kb();
    let s = |n: &str| k.option_tag(n).unwrap().summary.clone();
    assert!(s("explicitsub").contains("no implicit subscription"));
    assert!(!s("explicitsub").contains("Refer-Sub"));
    assert!(s("ice").contains("only in Require"));
    assert!(s("ice").contains("sip.ice"));
    assert!(s("policy").contains("Policy-Contact"));
    assert!(!s("policy").contains("push to a UA"));
    assert!(s("pref").contains("Require of a REGISTER"));
    assert!(s("record-aware").contains("recording client"));
    assert!(!s("record-aware").contains("recording server"));
    assert!(!s("precondition").contains("requires 100rel"));
    let w = &k.warn_code(308).unwrap().meaning;
    assert!(w.contains("488 or 606"), "{w}");
}

#[test]
fn cause_21_may_come_back_as_603() {
    let t = compare_text(486, 603);
    assert!(t.contains("or as 603 when the cause location"), "{t}");
}

#[test]
fn freeswitch_relays_the_b_leg_code_unless_told_not_to() {
    let t = compare_text(408, 504);
    assert!(t.contains("sip_ignore_remote_cause"), "{t}");
    assert!(!t.contains("and answers the A-leg with 504"), "{t}");
    assert!(entry_text(504).contains("sip_ignore_remote_cause"));
}

#[test]
fn accepted_must_not_be_sent_to_subscribe_or_notify() {
    let n = kb().get(202).unwrap().deprecated_note.clone().unwrap();
    assert!(n.contains("must not send"), "{n}");
    assert!(!n.contains("should answer an accepted"), "{n}");
}

#[test]
fn asterisk_sip_to_cause_table_lives_in_res_pjsip() {
    for d in kb().deviations.iter() {
        if d.vendor == "Asterisk" && d.direction == "sip-to-cause" {
            assert!(
                d.source
                    .starts_with("Asterisk res/res_pjsip.c ast_sip_hangup_sip2cause()"),
                "{}",
                d.source
            );
        }
    }
}

#[test]
fn isup_to_sip_direction_is_cited_as_7_2_4_1() {
    for (a, b) in [(484, 404), (480, 408), (502, 504)] {
        let t = compare_text(a, b);
        assert!(!t.contains("§8.2.6.1, §8.2.6.1"), "{a}/{b}: {t}");
        assert!(t.contains("§7.2.4.1"), "{a}/{b}: {t}");
    }
}

#[test]
fn wrong_section_citations_are_gone() {
    assert!(
        !kb()
            .get(421)
            .unwrap()
            .references
            .iter()
            .any(|r| r == "RFC 3262 §3")
    );
    assert!(
        !kb()
            .get(501)
            .unwrap()
            .references
            .iter()
            .any(|r| r == "RFC 3261 §8.2.1")
    );
    let t = entry_text(489);
    assert!(!t.contains("res_pjsip_refer for transfers"), "{t}");
    assert!(t.contains("res_pjsip_mwi"), "{t}");
}

#[test]
fn unverified_step_is_marked_in_text_and_markdown() {
    let mut k = kb().clone();
    let mut e = k.get(486).unwrap().clone();
    e.steps[0].unverified = Some("the vendor's log text".into());
    k.insert(e);
    let d = sipfix::doc::show(&k, &k.lookup(486).unwrap(), None);
    let t = text(&d);
    assert!(t.contains("(unverified: the vendor's log text)"), "{t}");
    let md = sipfix::render::to_markdown(&d);
    assert!(md.contains("unverified: the vendor"), "{md}");
    // Without the note the step is not marked.
    let plain = text(&sipfix::doc::show(kb(), &kb().lookup(486).unwrap(), None));
    assert_eq!(
        plain.matches("(unverified:").count() + 1,
        t.matches("(unverified:").count(),
        "{plain}"
    );
}

// ---- The verification record (assets/verified.toml) --------------------

fn record() -> toml::Table {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/verified.toml");
    let text = std::fs::read_to_string(&p).expect("assets/verified.toml");
    text.parse::<toml::Table>().expect("verified.toml parses")
}

#[test]
fn every_code_entry_has_a_verification_record() {
    let r = record();
    assert!(r["date"].as_str().is_some_and(|d| d.len() == 10));
    let listed: Vec<i64> = r["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_integer().unwrap())
        .collect();
    for e in kb().codes() {
        assert!(
            listed.contains(&(e.code as i64)),
            "code {} has no row in assets/verified.toml",
            e.code
        );
    }
    for c in &listed {
        assert!(
            kb().get(*c as u16).is_some(),
            "verified.toml lists {c}, which has no entry"
        );
    }
}

/// The citations (`RFC <n>` or `RFC <n> §<section>`) written in a text.
fn citations_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("RFC ") {
        rest = &rest[i + 4..];
        let n: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if n.is_empty() {
            continue;
        }
        let after = &rest[n.len()..];
        let sec = after.strip_prefix(" §").map(|t| {
            t.chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect::<String>()
                .trim_end_matches('.')
                .to_string()
        });
        match sec {
            Some(s) if !s.is_empty() => out.push(format!("RFC {n} §{s}")),
            _ => out.push(format!("RFC {n}")),
        }
    }
    out
}

#[test]
fn citation_scanner_reads_numbers_and_sections() {
    assert_eq!(
        citations_in("see RFC 3261 §20.14. and RFC 8224, not RFC x"),
        ["RFC 3261 §20.14", "RFC 8224"]
    );
}

/// Is this citation covered by the record: the RFC was read (`sections`
/// non-empty) and, for a section citation, that very section is listed.
fn read_in_record(rfcs: &toml::Table, cite: &str) -> bool {
    let mut parts = cite.split_whitespace();
    parts.next();
    let n = parts.next().unwrap();
    let Some(r) = rfcs.get(n) else { return false };
    let read: Vec<&str> = r["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    match parts.next() {
        None => !read.is_empty(),
        Some(sec) => read.contains(&sec.trim_start_matches('§')),
    }
}

#[test]
fn record_lists_what_was_read_of_each_rfc() {
    let r = record();
    for (n, v) in r["rfc"].as_table().unwrap() {
        assert!(
            !v["source"].as_str().unwrap().is_empty(),
            "rfc {n}: no source"
        );
        let secs = v["sections"]
            .as_array()
            .unwrap_or_else(|| panic!("rfc {n}: no sections list"));
        for s in secs {
            let s = s.as_str().unwrap();
            assert!(
                !s.is_empty() && s.split('.').all(|p| p.parse::<u32>().is_ok()),
                "rfc {n}: section {s:?} is not a section number"
            );
        }
    }
    // The scanner of the check below must see what is not read as unread.
    let rfcs = r["rfc"].as_table().unwrap();
    assert!(!read_in_record(rfcs, "RFC 9999 §1"));
    assert!(!read_in_record(rfcs, "RFC 3261 §999"));
}

/// Every text of a code entry in which a citation can stand.
fn entry_texts(e: &sipfix::kb::CodeEntry) -> Vec<&str> {
    let mut s: Vec<&str> = vec![&e.description, &e.retry, &e.summary];
    s.extend(e.when.iter().map(|w| w.as_str()));
    s.extend(e.forking.as_deref());
    s.extend(e.deprecated_note.as_deref());
    for st in &e.steps {
        s.push(&st.title);
        s.push(&st.detail);
    }
    s
}

#[test]
fn every_citation_is_checked_or_marked_unverified() {
    let r = record();
    let rfcs = r["rfc"].as_table().unwrap();
    let mut problems = Vec::new();
    for e in kb().codes() {
        let mut cites: Vec<(String, &str)> = e
            .references
            .iter()
            .map(|c| (c.to_string(), "reference"))
            .collect();
        for t in entry_texts(e) {
            cites.extend(citations_in(t).into_iter().map(|c| (c, "text")));
        }
        for (c, place) in cites {
            let checked = read_in_record(rfcs, &c);
            let marked = e
                .unverified
                .as_deref()
                .is_some_and(|u| u.split([':', ',']).any(|p| p.trim() == c));
            if !checked && !marked {
                problems.push(format!(
                    "{}: {c} ({place}) neither read nor marked unverified",
                    e.code
                ));
            }
            if checked && marked {
                problems.push(format!(
                    "{}: {c} ({place}) was read but is still marked unverified",
                    e.code
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn citations_of_the_other_files_are_read_or_listed_unverified() {
    let r = record();
    let rfcs = r["rfc"].as_table().unwrap();
    let listed: Vec<&str> = r["other"]["unverified"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let mut problems = Vec::new();
    for f in ["compare.toml", "q850.toml", "protocol.toml"] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        for c in citations_in(&text) {
            let key = format!("{f}: {c}");
            let read = read_in_record(rfcs, &c);
            let marked = listed.contains(&key.as_str());
            if read == marked {
                problems.push(format!("{key}: read={read} listed={marked}"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_protocol_item_has_a_verification_status() {
    let r = record();
    let p = &r["protocol"];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let data: toml::Table = std::fs::read_to_string(dir.join("protocol.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let mut problems = Vec::new();
    for (kind, key) in [("warn", "code"), ("method", "name"), ("option_tag", "name")] {
        let list = |k: &str| -> Vec<String> {
            p[kind][k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.to_string().trim_matches('"').to_string())
                .collect()
        };
        let (ok, open) = (list("checked"), list("unverified"));
        if !open.is_empty() {
            assert!(
                p[kind].get("reason").is_some(),
                "protocol.{kind}: unverified items need a reason"
            );
        }
        let items: Vec<String> = data[kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v[key].to_string().trim_matches('"').to_string())
            .collect();
        for it in &items {
            if ok.contains(it) == open.contains(it) {
                problems.push(format!(
                    "{kind} {it}: must be in exactly one of checked/unverified"
                ));
            }
        }
        for it in ok.iter().chain(&open) {
            if !items.contains(it) {
                problems.push(format!("{kind} {it}: listed but not in protocol.toml"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_command_hint_is_checked_or_marked_unverified() {
    let r = record();
    let tools = r["tool"].as_table().unwrap();
    let mut problems = Vec::new();
    for e in kb().codes() {
        for (i, s) in e.steps.iter().enumerate() {
            for (tool, hint) in &s.commands {
                let t = tools
                    .get(tool.as_str())
                    .unwrap_or_else(|| panic!("tool {tool} has no method in verified.toml"));
                let ok = match t.get("checked") {
                    None => true, // the whole tool was run over every hint
                    Some(list) => {
                        let list: Vec<&str> = list
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|v| v.as_str().unwrap())
                            .collect();
                        list.iter().any(|k| hint.contains(k))
                    }
                };
                let marked = s
                    .unverified
                    .as_deref()
                    .is_some_and(|u| u.contains(tool.as_str()));
                if !ok && !marked {
                    problems.push(format!(
                        "{} step {}: {tool} hint unchecked and unmarked",
                        e.code,
                        i + 1
                    ));
                }
            }
        }
    }
    // Every command the record lists as checked is used by some hint, so the
    // record cannot claim checks of commands the data does not contain.
    for (tool, t) in tools {
        for k in t
            .get("checked")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            let k = k.as_str().unwrap();
            let used = kb().codes().any(|e| {
                e.steps
                    .iter()
                    .any(|s| s.commands.get(tool).is_some_and(|h| h.contains(k)))
            });
            if !used {
                problems.push(format!(
                    "{tool}: '{k}' is listed as checked but no hint uses it"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
