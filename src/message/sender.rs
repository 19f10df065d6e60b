//! Who likely sent a message: products recognised in Server and
//! User-Agent, with their role, and what the Vias tell.

use super::Message;
use super::headers::Params;
use super::model::{Explanation, Role, Sender};
use super::text::{excerpt, q};

/// Who likely sent the message: the product in Server or User-Agent, the
/// number of Vias, who added a Warning, a Q.850 cause.
pub(super) fn sender(msg: &Message, e: &Explanation) -> Sender {
    let mut s = e.sender.clone();
    let ident = s.server.as_deref().or(s.user_agent.as_deref());
    let product = ident.and_then(recognise);
    let mut likely = Vec::new();
    match (ident, product) {
        (Some(id), Some((label, role))) => {
            s.product = label.map(str::to_string);
            s.role = Some(role);
            likely.push(role.sentence(label, &excerpt(id, 60), msg.is_response()));
        }
        (Some(id), None) => likely.push(format!(
            "The sender identifies itself as {}; sipfix does not recognise the product.",
            q(&excerpt(id, 60))
        )),
        (None, _) if msg.is_response() => likely.push(
            "The response has neither Server nor User-Agent: the sender does not identify \
             itself (SBCs hiding topology and many proxies omit it)."
                .to_string(),
        ),
        (None, _) => likely.push("The request has no User-Agent header.".to_string()),
    }
    if msg.is_response() && s.server.is_none() && s.user_agent.is_some() {
        likely.push(
            "It carries User-Agent rather than Server, as B2BUAs and phones often do in \
             responses."
                .to_string(),
        );
    }
    let n = s.via_count;
    if msg.is_response() {
        likely.push(match n {
            0 => "It has no Via: the message is incomplete.".to_string(),
            1 => "It has one Via: this copy was on its last hop, back to the client that \
                  sent the request."
                .to_string(),
            _ => format!(
                "It has {n} Vias: where this copy was captured, {} proxy hop{} remained \
                 before the original client (each proxy removes its own Via).",
                n - 1,
                if n == 2 { "" } else { "s" }
            ),
        });
    } else if n > 0 {
        let top = s.top_via.as_deref().map(via_host).unwrap_or_default();
        likely.push(format!(
            "It has {n} Via{}: {top} sent it{}.",
            if n == 1 { "" } else { "s" },
            if n > 1 {
                format!(
                    " after {} earlier hop{}",
                    n - 1,
                    if n == 2 { "" } else { "s" }
                )
            } else {
                String::new()
            }
        ));
    }
    if let Some(w) = e.warnings.iter().find(|w| !w.agent.is_empty()) {
        likely.push(format!(
            "The Warning was added by {}.",
            q(&excerpt(&w.agent, 60))
        ));
    }
    if product.is_none()
        && e.reasons
            .iter()
            .any(|r| r.protocol.eq_ignore_ascii_case("Q.850"))
    {
        likely.push(
            "The Q.850 cause in Reason points to a PSTN gateway, or a B2BUA that talks to \
             one, behind this response."
                .to_string(),
        );
    }
    s.likely = likely.join(" ");
    s
}

/// The host of a Via value (`SIP/2.0/UDP host:port;branch=...`).
pub(super) fn via_host(v: &str) -> String {
    let p = Params::parse(v);
    let host = p.main.split_ascii_whitespace().last().unwrap_or(p.main);
    excerpt(host, 60)
}

impl Role {
    /// The product and its role: "Sonus, an SBC"; the role alone when the
    /// identity names no vendor ("Acme SBC" is "an SBC", not "an SBC, an
    /// SBC").
    pub(super) fn describe(self, label: Option<&str>) -> String {
        match label {
            Some(l) => format!("{l}, {}", self.what()),
            None => self.what().to_string(),
        }
    }

    /// One sentence on what a message from this product means; `label` is
    /// the vendor or product, `None` when only the kind of element is known.
    fn sentence(self, label: Option<&str>, id: &str, response: bool) -> String {
        // "Sonus, " before the role, or nothing.
        let label = label.map(|l| format!("{l}, ")).unwrap_or_default();
        if !response {
            return match self {
                Role::Scanner => format!(
                    "'{id}' is {label}a SIP scanning tool: this request is most likely an \
                     attack or a probe."
                ),
                _ => format!("The request comes from '{id}' ({label}{}).", self.what()),
            };
        }
        match self {
            Role::Proxy => format!(
                "'{id}' is {label}a SIP proxy. A proxy relaying a response does not add \
                 Server, so the proxy generated this response itself: the decision was taken \
                 there (routing, authentication, limits, policy), not at the far end."
            ),
            Role::Sbc => format!(
                "'{id}' is {label}an SBC (a B2BUA at the network edge). It either refused \
                 the request itself (policy, limits, routing) or passed on what its other leg \
                 answered; compare with the SBC's other call leg."
            ),
            Role::Pbx => format!(
                "'{id}' is {label}a PBX or B2BUA. It answers on its own call leg, so it \
                 either decided itself or translated what its outgoing leg got; check its \
                 logs for that leg."
            ),
            Role::Gateway => format!(
                "'{id}' is {label}a PSTN gateway: the response usually reflects an ISDN or \
                 SS7 release cause (see Reason) mapped to SIP."
            ),
            Role::Phone => format!(
                "'{id}' is {label}an end device: the called phone or softphone (the UAS) \
                 answered this itself."
            ),
            Role::Service => format!(
                "'{id}' is {label}a hosted service or carrier edge: the decision was taken \
                 inside the provider's network."
            ),
            Role::Tool => format!("'{id}' is {label}a test tool."),
            Role::Scanner => format!(
                "'{id}' is {label}a SIP scanning tool: this traffic is most likely an \
                 attack or a probe."
            ),
        }
    }
}

/// Substrings (lower case) of Server / User-Agent values, with the product
/// (`None`: the value names the kind of element, not a vendor). The first
/// match wins, so a vendor comes before the generic word.
const PRODUCTS: &[(&str, Option<&str>, Role)] = &[
    ("friendly-scanner", Some("SIPVicious"), Role::Scanner),
    ("sipvicious", Some("SIPVicious"), Role::Scanner),
    ("sipcli", Some("sipcli"), Role::Scanner),
    ("vaxsipuseragent", Some("VaxSIPUserAgent"), Role::Scanner),
    ("sundayddr", None, Role::Scanner),
    ("kamailio", Some("Kamailio"), Role::Proxy),
    ("openser", Some("OpenSER"), Role::Proxy),
    ("opensips", Some("OpenSIPS"), Role::Proxy),
    ("repro", Some("reSIProcate repro"), Role::Proxy),
    ("sip express router", Some("SER"), Role::Proxy),
    ("acme packet", Some("Oracle/Acme Packet"), Role::Sbc),
    ("acmepacket", Some("Oracle/Acme Packet"), Role::Sbc),
    // Acme Packet's SBC platform and software names (Net-Net 3820, 4500,
    // Net-Net OS-E), kept by Oracle for years after the purchase.
    ("net-net", Some("Oracle/Acme Packet"), Role::Sbc),
    ("oracle", Some("Oracle SBC"), Role::Sbc),
    ("audiocodes", Some("AudioCodes"), Role::Sbc),
    ("mediant", Some("AudioCodes Mediant"), Role::Sbc),
    ("ribbon", Some("Ribbon"), Role::Sbc),
    ("sonus", Some("Sonus"), Role::Sbc),
    ("genband", Some("Genband"), Role::Sbc),
    ("sansay", Some("Sansay"), Role::Sbc),
    ("ingate", Some("Ingate"), Role::Sbc),
    ("edgemarc", Some("EdgeMarc"), Role::Sbc),
    ("anynode", Some("anynode"), Role::Sbc),
    (
        "cisco-sipgateway",
        Some("Cisco IOS gateway / CUBE"),
        Role::Gateway,
    ),
    ("patton", Some("Patton"), Role::Gateway),
    ("smartnode", Some("Patton SmartNode"), Role::Gateway),
    ("dinstar", Some("Dinstar"), Role::Gateway),
    ("synway", Some("Synway"), Role::Gateway),
    ("openvox", Some("OpenVox"), Role::Gateway),
    ("asterisk", Some("Asterisk"), Role::Pbx),
    ("fpbx", Some("FreePBX (Asterisk)"), Role::Pbx),
    ("freepbx", Some("FreePBX (Asterisk)"), Role::Pbx),
    ("freeswitch", Some("FreeSWITCH"), Role::Pbx),
    ("3cx", Some("3CX"), Role::Pbx),
    ("yate", Some("Yate"), Role::Pbx),
    ("avaya", Some("Avaya"), Role::Pbx),
    ("cisco-cucm", Some("Cisco CUCM"), Role::Pbx),
    ("broadworks", Some("BroadWorks"), Role::Pbx),
    ("mitel", Some("Mitel"), Role::Pbx),
    ("issabel", Some("Issabel (Asterisk)"), Role::Pbx),
    ("elastix", Some("Elastix (Asterisk)"), Role::Pbx),
    ("vodia", Some("Vodia"), Role::Pbx),
    ("sippy", Some("Sippy B2BUA"), Role::Pbx),
    ("drachtio", Some("drachtio"), Role::Pbx),
    ("metaswitch", Some("Metaswitch"), Role::Pbx),
    ("twilio", Some("Twilio"), Role::Service),
    (
        "microsoft.pstnhub",
        Some("Microsoft Teams Direct Routing"),
        Role::Service,
    ),
    ("yealink", Some("Yealink"), Role::Phone),
    ("polycom", Some("Polycom"), Role::Phone),
    ("grandstream", Some("Grandstream"), Role::Phone),
    ("snom", Some("snom"), Role::Phone),
    ("linphone", Some("Linphone"), Role::Phone),
    ("microsip", Some("MicroSIP"), Role::Phone),
    ("zoiper", Some("Zoiper"), Role::Phone),
    ("bria", Some("Bria"), Role::Phone),
    ("x-lite", Some("X-Lite"), Role::Phone),
    ("fanvil", Some("Fanvil"), Role::Phone),
    ("obihai", Some("Obihai"), Role::Phone),
    ("cisco/spa", Some("Cisco SPA"), Role::Phone),
    ("gigaset", Some("Gigaset"), Role::Phone),
    ("baresip", Some("baresip"), Role::Phone),
    ("jitsi", Some("Jitsi"), Role::Phone),
    ("sipp", Some("SIPp"), Role::Tool),
];

/// The product (`None`: no vendor named) and role recognised in a Server
/// or User-Agent value.
pub(super) fn recognise(id: &str) -> Option<(Option<&'static str>, Role)> {
    let lower = id.to_ascii_lowercase();
    PRODUCTS
        .iter()
        .find(|(pat, _, _)| lower.contains(pat))
        .map(|(_, label, role)| (*label, *role))
        .or_else(|| {
            // The generic word only when no vendor is named, and only as a
            // word of its own ("Acme SBC", "SBC-2.1"; not "MSBC", "SBCore").
            lower
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w == "sbc")
                .then_some((None, Role::Sbc))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products() {
        assert_eq!(recognise("Asterisk PBX 18.2").map(|p| p.1), Some(Role::Pbx));
        assert_eq!(
            recognise("kamailio (5.7.1)").map(|p| p.1),
            Some(Role::Proxy)
        );
        assert_eq!(
            recognise("friendly-scanner").map(|p| p.1),
            Some(Role::Scanner)
        );
        assert_eq!(recognise("Foo/1.0"), None);
        // A named vendor wins over the generic word; the word counts whole.
        for (id, role) in [
            ("Asterisk PBX 18 sbc", Role::Pbx),
            ("FPBX-16.0.33(18.20.0) sbc", Role::Pbx),
            ("kamailio (5.7) SBC", Role::Proxy),
        ] {
            assert_eq!(recognise(id).map(|p| p.1), Some(role), "{id}");
        }
        for id in ["DSBC", "SBCore 2.1", "JSBCLib", "MSBC-Gateway"] {
            assert_eq!(recognise(id), None, "{id}");
        }
        for id in ["Acme SBC", "SBC-2.1", "edge sbc/1.0"] {
            assert_eq!(recognise(id), Some((None, Role::Sbc)), "{id}");
        }
        assert_eq!(
            via_host("SIP/2.0/UDP 10.0.0.1:5060;branch=z9"),
            "10.0.0.1:5060"
        );
    }
}
