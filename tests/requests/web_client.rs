//! The web client (`assets/static` at `/`): its files are served, they
//! leave every API path as it was, and production serves them only when
//! configured.

use loco_rs::environment::Environment;
use serde_json::{json, Value};
use todo_api::settings::Settings;

use crate::support::{
    assert_redacted_snapshot, snapshot_of, token, unknown_route, with_app, with_app_in, ALICE,
};

#[tokio::test]
async fn the_page_and_its_files_are_served_at_the_root() {
    with_app(|server, _ctx| async move {
        // (path, content type)
        let files = [
            ("/", "text/html"),
            ("/index.html", "text/html"),
            ("/app.js", "text/javascript"),
            ("/style.css", "text/css"),
        ];
        for (path, content_type) in files {
            let response = server.get(path).await;
            assert_eq!(response.status_code(), 200, "{path}");
            let header = |name: &str| {
                response
                    .maybe_header(name)
                    .and_then(|v| v.to_str().ok().map(str::to_string))
                    .unwrap_or_default()
            };
            assert!(header("content-type").starts_with(content_type), "{path}");
            // The page keeps to this origin: nothing from elsewhere loads.
            assert!(
                header("content-security-policy").contains("default-src 'none'"),
                "{path}"
            );
            assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
            assert_eq!(header("cache-control"), "no-cache", "{path}");
        }
        let page = server.get("/").await.text();
        assert!(page.contains(r#"<script type="module" src="/app.js"></script>"#));
        // No address outside this origin anywhere in the page's files.
        for path in ["/", "/app.js", "/style.css"] {
            let text = server.get(path).await.text();
            assert!(!text.contains("http://"), "{path} names an http:// URL");
            assert!(!text.contains("https://"), "{path} names an https:// URL");
        }
    })
    .await;
}

#[tokio::test]
async fn the_files_leave_every_api_path_as_it_was() {
    with_app(|server, _ctx| async move {
        let not_found = unknown_route();
        // (method, path): none is a route or one of the page's files, so
        // each is the 404 problem of an unknown path, whatever the method.
        let unknown = [
            ("GET", "/api/nope"),
            ("GET", "/api"),
            ("POST", "/api/nope"),
            ("GET", "/nope.html"),
            ("HEAD", "/nope.html"),
            ("POST", "/"),
            ("DELETE", "/style.css"),
            ("PUT", "/app.js"),
            ("GET", "/app.js/more"),
            ("GET", "/../Cargo.toml"),
            ("GET", "/%2e%2e/Cargo.toml"),
            ("GET", "/..%2fCargo.toml"),
            ("GET", "/static/index.html"),
        ];
        for (method, path) in unknown {
            let method = axum::http::Method::from_bytes(method.as_bytes()).expect("a method");
            let response = server.method(method.clone(), path).await;
            if method == axum::http::Method::HEAD {
                assert_eq!(response.status_code(), 404, "{method} {path}");
                continue;
            }
            assert_eq!(snapshot_of(&response), not_found, "{method} {path}");
            // The page's headers are for its files only.
            assert!(
                response.maybe_header("content-security-policy").is_none(),
                "{method} {path}"
            );
        }
        // The routes answer as before: the document, the docs, a wrong
        // method with its Allow, a route that needs a token.
        let document = server.get("/api/openapi.json").await;
        assert_eq!(document.status_code(), 200);
        assert!(document.json::<Value>()["openapi"].is_string());
        let docs = server.get("/api/docs/").await;
        assert_eq!(docs.status_code(), 200);
        assert!(docs.text().contains("swagger"));
        let wrong = server.delete(&format!("/api/{ALICE}/tasks")).await;
        assert_eq!(wrong.status_code(), 405);
        let no_token = server.get(&format!("/api/{ALICE}/tasks")).await;
        assert_eq!(no_token.status_code(), 401);
        let ping = server.get("/_ping").await;
        assert_eq!(ping.json::<Value>(), json!({"ok": true}));
    })
    .await;
}

#[tokio::test]
async fn production_serves_no_page_unless_configured() {
    // config/production.yaml leaves it off (unless WEB_CLIENT says otherwise
    // in this shell).
    if std::env::var_os("WEB_CLIENT").is_none() {
        let config = Environment::Production
            .load()
            .expect("config/production.yaml");
        let settings = Settings::from_config(&config).expect("its settings");
        assert!(!settings.web_client.enabled);
    }
    let off = |s: &mut Value| s["web_client"]["enabled"] = json!(false);
    with_app_in(Environment::Production, off, |server, _ctx| async move {
        let response = server.get("/").await;
        assert_redacted_snapshot!("production_root", snapshot_of(&response));
        assert_eq!(server.get("/app.js").await.status_code(), 404);
        // The API is all there.
        let tasks = server
            .get(&format!("/api/{ALICE}/tasks"))
            .authorization_bearer(token(ALICE))
            .await;
        assert_eq!(tasks.status_code(), 200);
    })
    .await;
    // Switched on (WEB_CLIENT=true), the page is served; still no dev route.
    with_app_in(
        Environment::Production,
        |_| {},
        |server, _ctx| async move {
            let page = server.get("/").await;
            assert_eq!(page.status_code(), 200);
            assert_eq!(
                server
                    .post("/_dev/token")
                    .json(&json!({"user_id": ALICE}))
                    .await
                    .status_code(),
                404
            );
        },
    )
    .await;
}
