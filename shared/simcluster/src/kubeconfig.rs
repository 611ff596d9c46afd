//! The kubeconfig clients use to reach the simulated cluster (bearer token, and the
//! CA in `certificate-authority-data` when serving TLS).

use base64::Engine as _;

/// Renders a kubeconfig with one cluster, user and context.
pub fn render(
    server: &str,
    token: &str,
    ca_pem: Option<&str>,
    context: &str,
    namespace: &str,
) -> String {
    let ca = match ca_pem {
        Some(pem) => format!(
            "    certificate-authority-data: {}\n",
            base64::engine::general_purpose::STANDARD.encode(pem)
        ),
        None => String::new(),
    };
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: simcluster\n  cluster:\n    server: {server}\n{ca}\
contexts:\n- name: {context}\n  context:\n    cluster: simcluster\n    user: simcluster\n    namespace: {namespace}\n\
current-context: {context}\nusers:\n- name: simcluster\n  user:\n    token: {token}\npreferences: {{}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeconfig_carries_server_token_context_and_ca() {
        let k = render("https://127.0.0.1:1", "tok", Some("PEM"), "ctx", "apps");
        let v: serde_json::Value = serde_saphyr::from_str(&k).unwrap();
        assert_eq!(v["clusters"][0]["cluster"]["server"], "https://127.0.0.1:1");
        assert_eq!(
            v["clusters"][0]["cluster"]["certificate-authority-data"],
            "UEVN"
        );
        assert_eq!(v["users"][0]["user"]["token"], "tok");
        assert_eq!(v["current-context"], "ctx");
        assert_eq!(v["contexts"][0]["context"]["namespace"], "apps");
    }
}
