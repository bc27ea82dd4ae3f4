//! `llm-cli-gateway dashboard` in a real headless Chromium (Debian's, through chromedriver and
//! Selenium): three jobs and a validation made through the MCP server, then login through the
//! printed URL, the list, a job's answer, a running job's output growing, cancel by the
//! button, the validation's seats, the usage chart, and axe-core on every page. Before the
//! browser, raw HTTP against a second dashboard on the same database: no session, a foreign
//! `Host`, a foreign `Origin` or no CSRF token gets no data and changes nothing.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use gateway_e2e::{
    Response, World, artifacts_dir, gateway_bin, http, mcp_python, python_scenarios, tool_path,
    workspace_root,
};
use serde_json::Value;

/// A running `dashboard`, killed on drop.
struct Dashboard {
    child: Child,
    url: String,
    addr: SocketAddr,
}

impl Dashboard {
    fn start(world: &World) -> Dashboard {
        let mut child = world
            .gateway()
            .arg("dashboard")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let url = receiver
            .recv_timeout(Duration::from_secs(30))
            .unwrap()
            .trim()
            .to_owned();
        assert!(
            url.starts_with("http://127.0.0.1:") && url.contains("/?token="),
            "first line: {url}"
        );
        let addr = url["http://".len()..]
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        Dashboard { child, url, addr }
    }

    /// Logs in with the printed token; the session cookie (`name=value`).
    fn login(&self) -> String {
        let path = &self.url[self.url.find("/?").unwrap()..];
        let response = http(self.addr, "GET", path, &[], b"");
        assert_eq!(response.status, 303, "{response:?}");
        assert_eq!(response.header("location"), Some("/jobs"));
        let cookie = response.header("set-cookie").unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        cookie.split(';').next().unwrap().to_owned()
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn job_page(dashboard: &Dashboard, cookie: &str, id: &str) -> Response {
    http(
        dashboard.addr,
        "GET",
        &format!("/jobs/{id}"),
        &[("Cookie", cookie)],
        b"",
    )
}

fn csrf_of(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    page[start..start + 64].to_owned()
}

/// Raw requests that must get no data and change nothing.
fn refusals(dashboard: &Dashboard, ids: &Value) {
    let running = ids["running"].as_str().unwrap();
    let none = http(dashboard.addr, "GET", "/jobs", &[], b"");
    assert_eq!(none.status, 401);
    assert!(!none.body.contains(running), "{}", none.body);
    let cookie = dashboard.login();
    let again = http(
        dashboard.addr,
        "GET",
        &dashboard.url[dashboard.url.find("/?").unwrap()..],
        &[],
        b"",
    );
    assert_eq!(again.status, 401, "the login token works once");
    let listed = http(dashboard.addr, "GET", "/jobs", &[("Cookie", &cookie)], b"");
    assert_eq!(listed.status, 200);
    assert!(listed.body.contains(running));
    let csp = listed.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe"),
        "{csp}"
    );
    let port = dashboard.addr.port();
    let foreign_host = format!("evil.example:{port}");
    let rebound = http(
        dashboard.addr,
        "GET",
        "/jobs",
        &[("Cookie", &cookie), ("Host", &foreign_host)],
        b"",
    );
    assert_eq!(rebound.status, 421);
    assert!(!rebound.body.contains(running));
    let csrf = csrf_of(&job_page(dashboard, &cookie, running).body);
    let cancel = format!("/jobs/{running}/cancel");
    let form = format!("csrf={csrf}");
    let own = format!("http://127.0.0.1:{port}");
    let type_form = ("Content-Type", "application/x-www-form-urlencoded");
    type Attempt<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a [u8]);
    let attempts: [Attempt; 4] = [
        (
            "foreign origin",
            vec![
                ("Cookie", &cookie),
                ("Origin", "http://evil.example"),
                type_form,
            ],
            form.as_bytes(),
        ),
        (
            "no origin",
            vec![("Cookie", &cookie), type_form],
            form.as_bytes(),
        ),
        (
            "no csrf",
            vec![("Cookie", &cookie), ("Origin", &own), type_form],
            b"",
        ),
        (
            "no session",
            vec![("Origin", &own), type_form],
            form.as_bytes(),
        ),
    ];
    for (what, headers, body) in attempts {
        let response = http(dashboard.addr, "POST", &cancel, &headers, body);
        assert!(matches!(response.status, 401 | 403), "{what}: {response:?}");
        assert!(
            !response.body.contains(running),
            "{what}: {}",
            response.body
        );
        let page = job_page(dashboard, &cookie, running).body;
        assert!(
            page.contains("status s-running"),
            "{what} changed the job:\n{page}"
        );
    }
}

#[test]
fn dashboard_in_a_real_browser() {
    let world = World::new()
        .with("FAKE_AGENT_RESPONSE_CLAUDE", "The answer is 42.")
        .with("FAKE_AGENT_EXIT_CODE_CODEX", "3")
        .with("FAKE_AGENT_OUTPUT_BYTES_GEMINI", "1200000")
        .with("FAKE_AGENT_SLEEP_BETWEEN_MS_GEMINI", "1000");
    let out = python_scenarios(
        &world,
        gateway_bin().to_str().unwrap(),
        "legacy",
        "dashboard",
        None,
    );
    let made = &out["dashboard"];
    let ids = serde_json::json!({
        "completed": made["completed"]["structured"]["jobId"],
        "failed": made["failed"]["structured"]["jobId"],
        "running": made["running"]["structured"]["jobId"],
        "validation": made["validation"]["structured"]["validationId"],
    });
    assert!(
        ids.as_object().unwrap().values().all(Value::is_string),
        "{made:#}"
    );

    refusals(&Dashboard::start(&world), &ids);

    let dashboard = Dashboard::start(&world);
    let artifacts = artifacts_dir("dashboard");
    let mut command = Command::new(mcp_python());
    world.apply(&mut command);
    let output = command
        .arg(workspace_root().join("tests/e2e/clients/dashboard_browser.py"))
        .arg(&dashboard.url)
        .arg(ids.to_string())
        .arg(&artifacts)
        .arg(tool_path(
            "GATEWAY_AXE_JS",
            ".tools/axe/node_modules/axe-core/axe.min.js",
        ))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "browser script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();

    let base = format!("http://{}", dashboard.addr);
    assert_eq!(
        seen["afterLogin"],
        format!("{base}/jobs"),
        "the token leaves the address bar"
    );
    assert_eq!(
        seen["listStatuses"],
        serde_json::json!({"completed": "completed", "failed": "failed", "running": "running"})
    );
    assert_eq!(seen["answer"], "The answer is 42.");
    assert_eq!(seen["failedStatus"], "failed");
    assert!(
        seen["outputAfter"].as_u64().unwrap() > seen["outputBefore"].as_u64().unwrap(),
        "{seen}"
    );
    assert_eq!(seen["runningStatus"], "running");
    assert_eq!(seen["statusAfterCancel"], "canceled", "{seen}");
    assert_eq!(seen["seats"], serde_json::json!(["claude", "grok"]));
    assert_eq!(
        seen["seatStatuses"],
        serde_json::json!(["completed", "completed"])
    );
    assert!(
        seen["charts"].as_u64().unwrap() >= 2 && seen["bars"].as_u64().unwrap() >= 2,
        "{seen}"
    );
    assert!(seen["toolCallLinks"].as_u64().unwrap() >= 3, "{seen}");
    assert!(
        seen["health"].as_str().unwrap().contains("Schema version"),
        "{seen}"
    );
    assert!(
        seen["phoneScrollWidth"].as_u64().unwrap() <= 400,
        "no sideways scrolling on a phone"
    );
    for (page, found) in seen["pages"].as_object().unwrap() {
        let serious: Vec<&Value> = found["violations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|violation| {
                matches!(violation["impact"].as_str(), Some("serious" | "critical"))
            })
            .collect();
        assert!(serious.is_empty(), "axe on {page}: {serious:#?}");
        assert!(
            artifacts.join(format!("{page}.png")).is_file(),
            "screenshot of {page}"
        );
    }
    assert_eq!(seen["pages"].as_object().unwrap().len(), 9, "{seen}");
}
