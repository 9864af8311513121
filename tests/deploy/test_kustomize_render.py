"""The test helper that renders our kustomizations: the kustomize behaviour it relies on."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.deploy.kustomize_render import KustomizeError, render, split_image, strategic_merge


def write(directory: Path, files: dict) -> Path:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return directory


DEPLOYMENT = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, labels: {a: b}}
    spec:
      replicas: 2
      template:
        spec:
          containers:
            - name: app
              image: app
              env: [{name: A, value: "1"}, {name: B, value: "2"}]
              args: ["--x"]
            - name: sidecar
              image: registry.local:5000/side:1.0
"""


def test_patches_merge_keyed_lists_replace_others_and_null_deletes(tmp_path):
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [deployment.yaml]\n",
            "base/deployment.yaml": DEPLOYMENT,
            "overlay/kustomization.yaml": """
                namespace: prod
                resources: [namespace.yaml, ../base]
                patches: [{path: patch.yaml}]
                images: [{name: app, newName: registry.example.com/app, newTag: "7"}]
            """,
            "overlay/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n",
            "overlay/patch.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, labels: {a: null}}
                spec:
                  replicas: 3
                  template:
                    spec:
                      containers:
                        - name: app
                          env: [{name: B, value: "3"}, {name: C, value: "4"}]
                          args: ["--y"]
            """,
        },
    )
    namespace, deployment = render(tmp_path / "overlay")
    assert namespace["metadata"] == {"name": "prod"}  # cluster-scoped: no namespace
    assert deployment["metadata"] == {"name": "web", "labels": {}, "namespace": "prod"}
    assert deployment["spec"]["replicas"] == 3
    app, sidecar = deployment["spec"]["template"]["spec"]["containers"]
    assert app["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}]
    assert app["args"] == ["--y"]
    assert app["image"] == "registry.example.com/app:7"
    assert sidecar["image"] == "registry.local:5000/side:1.0"


def test_unknown_kustomization_fields_and_unmatched_patches_are_refused(tmp_path):
    write(tmp_path, {"kustomization.yaml": "resources: []\ncommonLabels: {a: b}\n"})
    with pytest.raises(KustomizeError, match="commonLabels"):
        render(tmp_path)
    write(
        tmp_path,
        {
            "kustomization.yaml": "resources: [d.yaml]\npatches: [{path: p.yaml}]\n",
            "d.yaml": DEPLOYMENT,
            "p.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: other}\nspec: {replicas: 1}\n",
        },
    )
    with pytest.raises(KustomizeError, match="matches 0"):
        render(tmp_path)
    with pytest.raises(KustomizeError, match="directives"):
        strategic_merge({"a": 1}, {"$patch": "replace"})


def test_image_references_split_like_docker():
    assert split_image("app") == ("app", None, None)
    assert split_image("registry.local:5000/app:1.2") == ("registry.local:5000/app", "1.2", None)
    assert split_image("app@sha256:abc") == ("app", None, "sha256:abc")
