//! What production start-up refuses, checked before anything connects:
//! every missing or invalid setting is named on a line of its own, so an
//! operator fixes them all in one go instead of one per restart.

use loco_rs::config::Config;

use crate::settings::{is_local_host, Settings};

/// Problems with the database URL: missing, unparsable, or a PostgreSQL
/// server elsewhere reached without TLS (`sslmode=require` or stricter).
fn database_problems(uri: &str) -> Vec<String> {
    let uri = uri.trim();
    if uri.is_empty() {
        return vec!["DATABASE_URL is not set".to_string()];
    }
    if uri.starts_with("sqlite:") {
        return vec![];
    }
    let Ok(url) = reqwest::Url::parse(uri) else {
        return vec![
            "DATABASE_URL is not a URL (postgres://user:password@host/db?sslmode=require)"
                .to_string(),
        ];
    };
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return vec![format!(
            "DATABASE_URL must be a postgres:// (or sqlite:) URL, not {}://",
            url.scheme()
        )];
    }
    let host = url.host_str().map(str::to_string);
    let sslmode = url
        .query_pairs()
        .find(|(key, _)| key == "sslmode" || key == "ssl-mode")
        .map(|(_, value)| value.to_string());
    let encrypted = matches!(
        sslmode.as_deref(),
        Some("require" | "verify-ca" | "verify-full")
    );
    if !encrypted && !is_local_host(host.as_deref()) {
        return vec![format!(
            "DATABASE_URL reaches {} without TLS: add sslmode=require (Neon requires it)",
            host.unwrap_or_default()
        )];
    }
    vec![]
}

/// Problems with the CORS origins: each must be `scheme://host[:port]`,
/// and never `*`.
fn cors_problems(origins: &[String]) -> Vec<String> {
    origins
        .iter()
        .filter_map(|origin| {
            let origin = origin.trim();
            let valid = reqwest::Url::parse(origin).is_ok_and(|url| {
                matches!(url.scheme(), "http" | "https")
                    && url.host().is_some()
                    && url.path() == "/"
                    && !origin.ends_with('/')
                    && url.query().is_none()
            });
            (!valid).then(|| {
                format!("CORS_ALLOWED_ORIGINS has {origin:?}, which is not an origin like https://app.example.com")
            })
        })
        .collect()
}

/// Every problem with a production configuration.
#[must_use]
pub fn production_problems(config: &Config) -> Vec<String> {
    let mut problems = database_problems(&config.database.uri);
    match Settings::from_config(config) {
        Ok(settings) => problems.extend(settings.auth.problems(true)),
        Err(error) => problems.push(error.to_string()),
    }
    if let Some(cors) = &config.server.middlewares.cors {
        problems.extend(cors_problems(&cors.allow_origins));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        // (url, accepted)
        let cases = [
            ("", false),
            ("not a url", false),
            ("mysql://u:p@db.example.com/x", false),
            ("postgres://u:p@ep-cool-1234.eu-central-1.aws.neon.tech/neondb", false),
            ("postgres://u:p@ep-cool-1234.eu-central-1.aws.neon.tech/neondb?sslmode=disable", false),
            ("postgres://u:p@ep-cool-1234.eu-central-1.aws.neon.tech/neondb?sslmode=require&channel_binding=require", true),
            ("postgresql://u:p@ep-cool-1234-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=verify-full", true),
            ("postgres://postgres@127.0.0.1:5432/todo", true),
            ("postgres://postgres@localhost/todo", true),
            ("sqlite://todo.sqlite?mode=rwc", true),
        ];
        for (url, accepted) in cases {
            assert_eq!(database_problems(url).is_empty(), accepted, "{url}");
        }
    }

    #[test]
    fn cors_origins() {
        assert!(cors_problems(&[
            "https://app.example.com".into(),
            "http://localhost:3000".into()
        ])
        .is_empty());
        for bad in [
            "*",
            "app.example.com",
            "https://app.example.com/",
            "https://app.example.com/path",
            "ftp://x.example",
        ] {
            assert_eq!(cors_problems(&[bad.to_string()]).len(), 1, "{bad}");
        }
    }
}
