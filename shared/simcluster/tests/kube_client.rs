//! The `kube` crate (what lockgate's deployer uses) against the simulated cluster over
//! TLS: kubeconfig loading, discovery, server-side apply of dynamic objects, waiting on
//! conditions, watchers and typed Secrets.

mod common;

use std::time::Duration;

use common::{fast, start_tls};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::Discovery;
use kube::runtime::{wait::await_condition, watcher, WatchStreamExt};
use kube::{Client, Config};
use serde_json::json;

async fn client(env: &common::Env) -> Client {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let kc = Kubeconfig::read_from(&env.kubeconfig).unwrap();
    let config = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .unwrap();
    Client::try_from(config).unwrap()
}

fn deployment(image: &str) -> serde_json::Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": image}]}}}})
}

fn available(d: Option<&DynamicObject>) -> bool {
    d.and_then(|d| d.data.pointer("/status/conditions"))
        .and_then(|c| c.as_array())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Available" && c["status"] == "True")
        })
        && d.is_some_and(|d| {
            d.data.pointer("/status/observedGeneration")
                == d.metadata.generation.map(serde_json::Value::from).as_ref()
        })
}

#[test]
fn kube_client_discovers_applies_waits_and_watches() {
    let env = start_tls(fast());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = client(&env).await;
        let discovery = Discovery::new(client.clone()).run().await.unwrap();
        let (ar, caps) = discovery.resolve_gvk(&GroupVersionKind::gvk("apps", "v1", "Deployment")).expect("deployments discovered");
        assert_eq!(ar.plural, "deployments");
        assert_eq!(caps.scope, kube::discovery::Scope::Namespaced);

        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ar);
        let obj: DynamicObject = serde_json::from_value(deployment("nginx:1.27")).unwrap();
        let pp = PatchParams::apply("lockgate").force();
        let applied = api.patch("web", &pp, &Patch::Apply(&obj)).await.unwrap();
        assert_eq!(applied.metadata.generation, Some(1));
        tokio::time::timeout(Duration::from_secs(20), await_condition(api.clone(), "web", available)).await.unwrap().unwrap();

        // A watcher sees the new generation roll out.
        let typed: Api<Deployment> = Api::namespaced(client.clone(), "default");
        let stream = watcher(typed.clone(), watcher::Config::default().fields("metadata.name=web")).applied_objects();
        let obj: DynamicObject = serde_json::from_value(deployment("nginx:1.28")).unwrap();
        let second = api.patch("web", &pp, &Patch::Apply(&obj)).await.unwrap();
        assert_eq!(second.metadata.generation, Some(2));
        let rolled = tokio::time::timeout(
            Duration::from_secs(20),
            stream
                .try_filter(|d| {
                    let s = d.status.clone().unwrap_or_default();
                    std::future::ready(s.observed_generation == Some(2) && s.updated_replicas == Some(2) && s.available_replicas == Some(2) && s.replicas == Some(2))
                })
                .boxed()
                .next(),
        )
        .await
        .unwrap()
        .unwrap()
        .unwrap();
        let rolled = serde_json::to_value(&rolled).unwrap();
        assert_eq!(rolled["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.28");

        let secrets: Api<Secret> = Api::namespaced(client.clone(), "default");
        let s: Secret = serde_json::from_value(json!({"metadata": {"name": "creds", "labels": {"owner": "lockgate"}}, "stringData": {"token": "abc"}})).unwrap();
        secrets.create(&PostParams::default(), &s).await.unwrap();
        let listed = secrets.list(&ListParams::default().labels("owner=lockgate")).await.unwrap();
        assert_eq!(listed.items.len(), 1);
        let data = listed.items[0].data.clone().unwrap();
        assert_eq!(data["token"].0, b"abc".to_vec());
        let err = secrets.create(&PostParams::default(), &s).await.unwrap_err();
        match err {
            kube::Error::Api(s) => assert_eq!(s.code, 409),
            other => panic!("expected a 409 Status, got {other:?}"),
        }
    });
}
