//! The transports the delivery worker sends with: e-mail over SMTP (lettre) and HTTP posts to
//! chat webhooks and signed generic webhooks (ureq).

use crate::app::notify::{Outgoing, Transport};
use crate::db::notify::Channel;
use base64::Engine;
use hmac::{Hmac, Mac};
use lettre::message::{Mailbox, MultiPart};
use lettre::{SmtpTransport, Transport as _};
use std::time::Duration;

/// What a path segment may hold unescaped (our message ids are letters, digits and `_`).
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'_').remove(b'-');

/// How long one HTTP post may take before it counts as failed (and is retried later).
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Outbound {
    smtp: Option<(SmtpTransport, Mailbox)>,
    http: ureq::Agent,
    public_url: String,
    /// The host part of our Message-IDs.
    mail_domain: String,
}

impl Outbound {
    /// `smtp_url` like `smtp://host:25` (plain), `smtp://host:587?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host:465` (TLS), as lettre reads it; `from` the sender address.
    pub fn new(smtp_url: Option<&str>, from: &str, public_url: &str) -> anyhow::Result<Self> {
        let smtp = match smtp_url {
            Some(url) => {
                let transport = SmtpTransport::from_url(url)
                    .map_err(|e| anyhow::anyhow!("GOALKEEPER_SMTP_URL: {e}"))?
                    .timeout(Some(HTTP_TIMEOUT))
                    .build();
                let from: Mailbox = from.parse().map_err(|e| anyhow::anyhow!("GOALKEEPER_MAIL_FROM {from:?}: {e}"))?;
                Some((transport, from))
            }
            None => None,
        };
        let http = ureq::Agent::config_builder()
            .timeout_global(Some(HTTP_TIMEOUT))
            .http_status_as_error(true)
            .build()
            .new_agent();
        let mail_domain = public_url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next())
            .filter(|host| !host.is_empty())
            .unwrap_or("goalkeeper.invalid")
            .to_owned();
        Ok(Outbound { smtp, http, public_url: public_url.trim_end_matches('/').to_owned(), mail_domain })
    }

    fn post_json(&self, url: &str, body: &serde_json::Value, headers: &[(&str, String)]) -> Result<(), String> {
        let mut request = self.http.post(url).header("Content-Type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        request.send(body.to_string()).map(|_| ()).map_err(|e| e.to_string())
    }
}

/// The Standard Webhooks signature of a message: `v1,` + base64(HMAC-SHA256(key, id.ts.body)),
/// the key being the base64 after `whsec_`.
pub fn standard_webhook_signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, String> {
    let engine = base64::engine::general_purpose::STANDARD;
    let key = engine.decode(secret.trim_start_matches("whsec_")).map_err(|e| format!("signing secret: {e}"))?;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).map_err(|e| format!("signing secret: {e}"))?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!("v1,{}", engine.encode(mac.finalize().into_bytes())))
}

impl Transport for Outbound {
    fn has_email(&self) -> bool {
        self.smtp.is_some()
    }

    fn email(&self, to: &str, message: &Outgoing) -> Result<(), String> {
        let Some((transport, from)) = &self.smtp else { return Err("e-mail is not configured".into()) };
        let to: Mailbox = to.parse().map_err(|e| format!("recipient {to:?}: {e}"))?;
        let link = message.link.as_deref().unwrap_or(&self.public_url);
        let text = format!("{}\n\n{link}\n", message.body);
        let html = format!(
            "<p>{}</p><p><a href=\"{}\">Open in Goalkeeper</a></p>",
            html_escape(&message.body).replace("\n\n", "</p><p>").replace('\n', "<br>"),
            html_escape(link)
        );
        let mut builder = lettre::Message::builder()
            .from(from.clone())
            .to(to)
            .subject(&message.subject)
            .message_id(Some(format!("<{}@{}>", message.message_id, self.mail_domain)));
        if let Some(token) = &message.reply_token {
            // Replies come back to the sender's mailbox with the token after a `+`; the MTA
            // pipes them to `goalkeeper mail-in`.
            let address = from.email.to_string();
            if let Some((local, domain)) = address.split_once('@') {
                let reply: Mailbox =
                    format!("{local}+{token}@{domain}").parse().map_err(|e| format!("reply address: {e}"))?;
                builder = builder.reply_to(reply);
            }
        }
        if let Some(request) = message.request_id {
            // One request is one thread in the reader's mail program.
            let thread = format!("<request-{request}@{}>", self.mail_domain);
            builder = builder.in_reply_to(thread.clone()).references(thread);
        }
        let email = builder
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| format!("building the e-mail: {e}"))?;
        transport.send(&email).map(|_| ()).map_err(|e| e.to_string())
    }

    fn channel(&self, channel: &Channel, message: &Outgoing) -> Result<(), String> {
        let link = message.link.clone().unwrap_or_else(|| self.public_url.clone());
        let text = if message.body.is_empty() {
            format!("{} — {link}", message.subject)
        } else {
            format!("{}\n{}\n{link}", message.subject, message.body)
        };
        match channel.kind.as_str() {
            "slack" => self.post_json(&channel.url, &serde_json::json!({ "text": text }), &[]),
            "teams" => {
                let card = serde_json::json!({
                    "type": "message",
                    "attachments": [{
                        "contentType": "application/vnd.microsoft.card.adaptive",
                        "content": {
                            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                            "type": "AdaptiveCard",
                            "version": "1.4",
                            "body": [
                                {"type": "TextBlock", "text": message.subject, "weight": "Bolder", "wrap": true},
                                {"type": "TextBlock", "text": message.body, "wrap": true}
                            ],
                            "actions": [{"type": "Action.OpenUrl", "title": "Open", "url": link}]
                        }
                    }]
                });
                self.post_json(&channel.url, &card, &[])
            }
            "matrix" => {
                // The message id is the transaction id: Matrix itself drops a repeat.
                let address = format!(
                    "{}/send/m.room.message/{}",
                    channel.url.trim_end_matches('/'),
                    percent_encoding::utf8_percent_encode(&message.message_id, PATH_SEGMENT)
                );
                let body = serde_json::json!({ "msgtype": "m.text", "body": text });
                self.http
                    .put(&address)
                    .header("Authorization", format!("Bearer {}", channel.secret).as_str())
                    .header("Content-Type", "application/json")
                    .send(body.to_string())
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            "webhook" => {
                let timestamp = chrono::Utc::now().timestamp();
                let body = serde_json::json!({
                    "type": format!("request.{}", message.topic),
                    "timestamp": chrono::Utc::now().to_rfc3339(),
                    "data": {
                        "request_id": message.request_id,
                        "subject": message.subject,
                        "text": message.body,
                        "url": link,
                    }
                });
                let signature =
                    standard_webhook_signature(&channel.secret, &message.message_id, timestamp, &body.to_string())?;
                self.post_json(
                    &channel.url,
                    &body,
                    &[
                        ("webhook-id", message.message_id.clone()),
                        ("webhook-timestamp", timestamp.to_string()),
                        ("webhook-signature", signature),
                    ],
                )
            }
            other => Err(format!("unknown channel kind {other}")),
        }
    }

    fn public_url(&self) -> &str {
        &self.public_url
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_signature_follows_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let signature = super::standard_webhook_signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(signature.as_deref(), Ok("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    }
}
