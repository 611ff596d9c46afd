//! Links from an app's configuration reach its approval requests, with `{app}`,
//! `{env}` and `{execution_id}` filled in; malformed links are reported with their
//! path.

mod common;

use common::*;
use lockgate_core::execution::{step, Command, Step};
use lockgate_core::Config;

const LINKS: &str = "    links:\n      logs: https://logs.example.com/{app}/{env}\n      status: https://ci.example.com/executions/{execution_id}\n";

#[test]
fn configured_links_are_filled_in_on_the_approval_request() {
    let yaml = CONFIG.replace(
        "    notify: [deploys]\n",
        &format!("    notify: [deploys]\n{LINKS}"),
    );
    let config = Config::from_yaml(&yaml).expect("config with links");
    assert_eq!(config.apps[0].links.len(), 2);
    let plan = lockgate_core::execution::Plan::for_app(&config, "web").expect("plan");
    let exec = lockgate_core::execution::Execution::open(lockgate_core::execution::Opening {
        candidate: candidate(),
        plan,
        at: t0(),
        open_executions: Vec::new(),
    })
    .0;
    let exec = run(
        exec,
        &[chart_verified(5), deploy_started(10, "staging", 1, None)],
    );
    let Step::Applied { commands, .. } = step(&exec, &succeeded(40, "staging", 1, 1)) else {
        panic!("staging success did not apply");
    };
    let request = commands
        .iter()
        .find_map(|c| match c {
            Command::RequestApproval { request } => Some(request.clone()),
            _ => None,
        })
        .expect("an approval request");
    let urls: Vec<(&str, &str)> = request
        .links
        .iter()
        .map(|l| (l.label.as_str(), l.url.as_str()))
        .collect();
    assert_eq!(
        urls,
        [
            ("logs", "https://logs.example.com/web/production"),
            (
                "status",
                format!("https://ci.example.com/executions/{}", exec.id).as_str()
            ),
        ]
    );
}

#[test]
fn a_link_that_is_not_a_url_is_reported_with_its_path() {
    let yaml = CONFIG.replace(
        "    notify: [deploys]\n",
        "    notify: [deploys]\n    links:\n      logs: logs.example.com\n",
    );
    let err = Config::from_yaml(&yaml).expect_err("bad link").to_string();
    assert!(err.contains("links.logs"), "{err}");
    assert!(err.contains("not an http(s) URL"), "{err}");
}
