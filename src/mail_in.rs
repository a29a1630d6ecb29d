//! The mail gateway's reading of one RFC 5322 message: where it was sent, what it answers, who
//! sent it, and the new text without the quoted part.

use crate::app::notify::MailReply;
use mail_parser::{HeaderValue, MessageParser};

/// Reads a message; `None` when it is not a message at all.
pub fn read(raw: &[u8]) -> Option<MailReply> {
    let message = MessageParser::default().parse(raw)?;
    let from = message.from()?.first()?.address()?.to_owned();
    let recipients = [message.to(), message.cc()]
        .into_iter()
        .flatten()
        .flat_map(|list| list.iter())
        .filter_map(|a| a.address().map(str::to_owned))
        .chain(message.header_values("Delivered-To").filter_map(|v| v.as_text().map(str::to_owned)))
        .collect::<Vec<_>>();
    let token = recipients.iter().find_map(|address| {
        let local = address.split('@').next()?;
        let (_, tag) = local.split_once('+')?;
        tag.starts_with('r').then(|| tag.to_owned())
    });
    let mut threads: Vec<String> = Vec::new();
    for name in ["In-Reply-To", "References"] {
        match message.header(name) {
            Some(HeaderValue::Text(id)) => threads.push(id.to_string()),
            Some(HeaderValue::TextList(ids)) => threads.extend(ids.iter().map(|id| id.to_string())),
            _ => {}
        }
    }
    let request = threads
        .iter()
        .find_map(|id| id.trim_matches(['<', '>']).strip_prefix("request-")?.split('@').next()?.parse().ok());
    let text = message.body_text(0).map(|t| new_text(&t)).unwrap_or_default();
    Some(MailReply { token, request, from, text })
}

/// The part of a reply above what it quotes: up to the first quoted line, "On … wrote:" or an
/// "Original Message" divider, trailing signature dashes dropped.
pub fn new_text(body: &str) -> String {
    let mut kept = Vec::new();
    for line in body.lines() {
        let trimmed = line.trim();
        let quoting = trimmed.starts_with('>')
            || (trimmed.starts_with("On ") && trimmed.ends_with("wrote:"))
            || trimmed.contains("Original Message")
            || trimmed.starts_with("________________")
            || trimmed == "--";
        if quoting {
            break;
        }
        kept.push(line);
    }
    kept.join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_quoted_part_and_the_signature_go() {
        let body =
            "I use WireGuard 1.0.\r\nThanks!\r\n\r\nOn Tue, 24 Nov 2026 Goalkeeper wrote:\r\n> Which client?\r\n";
        assert_eq!(super::new_text(body), "I use WireGuard 1.0.\nThanks!");
        assert_eq!(super::new_text("Yes.\n--\nRita"), "Yes.");
    }

    #[test]
    fn a_reply_names_its_request_by_address_or_thread() {
        let raw = b"From: Rita <rita@example.com>\r\nTo: gk+r12-3-abcdef@example.com\r\nIn-Reply-To: <request-12@gk.example>\r\nSubject: Re: Question\r\n\r\nWireGuard.\r\n> old\r\n";
        let reply = super::read(raw).expect("a message");
        assert_eq!(reply.from, "rita@example.com");
        assert_eq!(reply.token.as_deref(), Some("r12-3-abcdef"));
        assert_eq!(reply.request, Some(12));
        assert_eq!(reply.text, "WireGuard.");
    }
}
