//! Production start-up refuses every misconfiguration with a clear message
//! naming each problem, before it connects to anything, and never with a
//! panic trace. Each case runs the real binary with its own environment.

use std::process::Command;

/// Runs `todo_api-cli <args>` in production with exactly `env` (plus PATH).
fn run(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_todo_api-cli"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LOCO_ENV", "production")
        .envs(env.iter().copied())
        .output()
        .expect("run the binary");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    (output.status.success(), stderr)
}

/// A case: its name, the environment, the messages stderr must hold.
type Case = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    Vec<&'static str>,
);

const SECRET: &str = "production-secret-0123456789abcdefghij";
const SQLITE: &str = "sqlite::memory:";

#[test]
fn production_refuses_each_misconfiguration() {
    let cases: Vec<Case> = vec![
        (
            "nothing set",
            vec![],
            vec![
                "DATABASE_URL is not set",
                "no token verification configured",
            ],
        ),
        (
            "secret too short",
            vec![("DATABASE_URL", SQLITE), ("BETTER_AUTH_SECRET", "short")],
            vec!["BETTER_AUTH_SECRET is too short"],
        ),
        (
            "the development secret",
            vec![
                ("DATABASE_URL", SQLITE),
                (
                    "BETTER_AUTH_SECRET",
                    "development-only-secret-never-use-in-production",
                ),
            ],
            vec!["development-only secret"],
        ),
        (
            "auth URL that does not parse",
            vec![("DATABASE_URL", SQLITE), ("BETTER_AUTH_URL", "not a url")],
            vec!["is not an http(s) URL"],
        ),
        (
            "auth URL over plain http to another host",
            vec![
                ("DATABASE_URL", SQLITE),
                ("BETTER_AUTH_URL", "http://auth.example.com"),
            ],
            vec!["must use https in production"],
        ),
        (
            "database elsewhere without TLS",
            vec![
                (
                    "DATABASE_URL",
                    "postgres://u:p@ep-x.eu-central-1.aws.neon.tech/neondb",
                ),
                ("BETTER_AUTH_SECRET", SECRET),
            ],
            vec!["without TLS: add sslmode=require"],
        ),
        (
            "database URL that does not parse",
            vec![("DATABASE_URL", "nonsense"), ("BETTER_AUTH_SECRET", SECRET)],
            vec!["DATABASE_URL is not a URL"],
        ),
        (
            "CORS wildcard",
            vec![
                ("DATABASE_URL", SQLITE),
                ("BETTER_AUTH_SECRET", SECRET),
                ("CORS_ALLOWED_ORIGINS", "*"),
            ],
            vec!["CORS_ALLOWED_ORIGINS has \"*\""],
        ),
        (
            "several at once, each on its own line",
            vec![
                ("DATABASE_URL", "postgres://u:p@db.example.com/x"),
                ("BETTER_AUTH_SECRET", "short"),
                ("CORS_ALLOWED_ORIGINS", "https://ok.example.com,ftp://bad"),
            ],
            vec![
                "\n  - DATABASE_URL reaches db.example.com without TLS",
                "\n  - BETTER_AUTH_SECRET is too short",
                "\n  - CORS_ALLOWED_ORIGINS has \"ftp://bad\"",
            ],
        ),
    ];
    for (case, env, expected) in cases {
        let (ok, stderr) = run(&["routes"], &env);
        assert!(!ok, "case {case}: start-up should be refused");
        assert!(
            stderr.contains("invalid production configuration"),
            "case {case}: {stderr}"
        );
        for message in expected {
            assert!(
                stderr.contains(message),
                "case {case}: {message:?} not in {stderr}"
            );
        }
        assert!(!stderr.contains("panicked"), "case {case}: {stderr}");
        assert!(!stderr.contains(SECRET), "case {case}: the secret leaked");
    }
}

#[test]
fn a_good_production_configuration_is_accepted() {
    let (ok, stderr) = run(
        &["routes"],
        &[
            ("DATABASE_URL", SQLITE),
            ("BETTER_AUTH_SECRET", SECRET),
            ("BETTER_AUTH_URL", "https://app.example.com"),
            (
                "CORS_ALLOWED_ORIGINS",
                "https://app.example.com,http://localhost:3000",
            ),
        ],
    );
    assert!(ok, "{stderr}");
    // ...and dev_token still refuses to run there.
    let (ok, stderr) = run(
        &["task", "dev_token", "user_id:someone"],
        &[("DATABASE_URL", SQLITE), ("BETTER_AUTH_SECRET", SECRET)],
    );
    assert!(!ok);
    assert!(stderr.contains("refuses to run in production"), "{stderr}");
}
