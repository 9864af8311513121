"""Renders a kustomization the way `kubectl kustomize` does — only the subset deploy/k8s uses.

No kustomize renderer installs from PyPI on Python 3.10 (`pykustomize` requires Python 3.14; the
package called `kustomize` is something else), and kubectl may be missing, so this module
implements what our kustomization.yaml files use, following kustomize v5:

- `resources`: files (one or more YAML documents) and directories (another kustomization,
  rendered first);
- `patches` with `path`: strategic merge patches (one or more documents per file), each matched
  to a resource by apiVersion group, kind and name; maps merge, `null` deletes a key, lists with
  a Kubernetes merge key (containers by name, env by name, volumeMounts by mountPath, …) merge
  item by item, other lists are replaced;
- `namespace`: set on every namespaced resource;
- `images`: `name` → `newName`, `newTag`, `digest`, in every container and init container.

Transformers run in kustomize's order (patches, then namespace, then images). Any other field of
a kustomization — or a `$patch` directive — is refused, so a feature this module does not know
cannot be silently ignored. tests/deploy/test_manifests.py compares the result with
`kubectl kustomize` wherever kubectl is installed.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

SUPPORTED_FIELDS = {"apiVersion", "kind", "resources", "patches", "namespace", "images"}

# Kinds that live outside namespaces (those a kustomization of ours could contain).
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "IngressClass",
    "PersistentVolume",
    "PriorityClass",
    "StorageClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
}

# Lists that a strategic merge patch merges item by item (Kubernetes' patchMergeKey); every other
# list is replaced by the patch's list.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "topologySpreadConstraints": "topologyKey",
    "hostAliases": "ip",
}
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


class KustomizeError(Exception):
    pass


Resource = Dict[str, Any]
ResourceId = Tuple[str, str, str, Optional[str]]  # group, kind, name, namespace


def render(directory: Path) -> List[Resource]:
    """The resources `kubectl kustomize directory` prints (in the order they were loaded)."""
    directory = Path(directory)
    kustomization = _load_kustomization(directory)
    resources: List[Resource] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        if path.is_dir():
            resources.extend(render(path))
        elif path.is_file():
            resources.extend(_load_documents(path))
        else:
            raise KustomizeError(f"{directory}: resource {entry!r} not found")
    _refuse_duplicates(resources, directory)

    for patch_entry in kustomization.get("patches", []):
        if set(patch_entry) != {"path"}:
            raise KustomizeError(f"{directory}: only `patches: - path: FILE` is supported, got {patch_entry}")
        for patch in _load_documents(directory / patch_entry["path"]):
            target = _find(resources, patch, directory)
            merged = strategic_merge(target, patch)
            resources[resources.index(target)] = merged

    namespace = kustomization.get("namespace")
    if namespace:
        for resource in resources:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource.setdefault("metadata", {})["namespace"] = namespace

    for image in kustomization.get("images", []):
        for resource in resources:
            _set_image(resource, image)
    return resources


def _load_kustomization(directory: Path) -> Dict[str, Any]:
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        path = directory / name
        if path.is_file():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            unknown = set(data) - SUPPORTED_FIELDS
            if unknown:
                raise KustomizeError(f"{path}: fields this renderer does not implement: {sorted(unknown)}")
            return data
    raise KustomizeError(f"{directory}: no kustomization.yaml")


def _load_documents(path: Path) -> List[Resource]:
    documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    for document in documents:
        if not isinstance(document, dict) or "kind" not in document or "apiVersion" not in document:
            raise KustomizeError(f"{path}: not a Kubernetes object: {document!r:.80}")
    return documents


def resource_id(resource: Resource) -> ResourceId:
    api_version = resource["apiVersion"]
    group = api_version.split("/")[0] if "/" in api_version else ""
    metadata = resource.get("metadata") or {}
    return group, resource["kind"], metadata.get("name", ""), metadata.get("namespace")


def _refuse_duplicates(resources: List[Resource], directory: Path) -> None:
    seen = set()
    for resource in resources:
        rid = resource_id(resource)
        if rid in seen:
            raise KustomizeError(f"{directory}: {rid} is defined twice")
        seen.add(rid)


def _find(resources: List[Resource], patch: Resource, directory: Path) -> Resource:
    group, kind, name, namespace = resource_id(patch)
    matches = [
        r
        for r in resources
        if resource_id(r)[:3] == (group, kind, name) and (namespace is None or resource_id(r)[3] == namespace)
    ]
    if len(matches) != 1:
        raise KustomizeError(f"{directory}: patch for {kind}/{name} matches {len(matches)} resources")
    return matches[0]


def strategic_merge(original: Any, patch: Any, field: str = "") -> Any:
    """`patch` merged into a copy of `original` (Kubernetes strategic merge, the subset above)."""
    if isinstance(patch, dict):
        if any(isinstance(k, str) and k.startswith("$") for k in patch):
            raise KustomizeError(f"strategic merge directives are not supported: {sorted(patch)}")
        result = copy.deepcopy(original) if isinstance(original, dict) else {}
        for key, value in patch.items():
            if value is None:
                result.pop(key, None)
            else:
                result[key] = strategic_merge(result.get(key), value, key)
        return result
    if isinstance(patch, list):
        key = _merge_key(field, patch)
        if key is None or not isinstance(original, list):
            return copy.deepcopy(patch)
        result = copy.deepcopy(original)
        for item in patch:
            if not isinstance(item, dict) or key not in item:
                raise KustomizeError(f"an item of {field} in a patch has no {key}")
            index = next(
                (i for i, old in enumerate(result) if isinstance(old, dict) and old.get(key) == item[key]), None
            )
            if index is None:
                result.append(copy.deepcopy(item))
            else:
                result[index] = strategic_merge(result[index], item, field)
        return result
    return copy.deepcopy(patch)


def _merge_key(field: str, items: List[Any]) -> Optional[str]:
    if field == "ports":  # a container's ports merge by containerPort, a Service's by port
        first = items[0] if items else {}
        return "containerPort" if "containerPort" in first else "port"
    return MERGE_KEYS.get(field)


def _set_image(node: Any, image: Dict[str, str]) -> None:
    """kustomize's `images` transformer, applied to every container list in `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in CONTAINER_LISTS and isinstance(value, list):
                for container in value:
                    if isinstance(container, dict) and "image" in container:
                        container["image"] = _new_image(container["image"], image)
            else:
                _set_image(value, image)
    elif isinstance(node, list):
        for item in node:
            _set_image(item, image)


def split_image(reference: str) -> Tuple[str, Optional[str], Optional[str]]:
    """name, tag, digest of an image reference (a registry's port is part of the name)."""
    digest = None
    if "@" in reference:
        reference, digest = reference.split("@", 1)
    tag = None
    last_slash = reference.rfind("/")
    colon = reference.rfind(":")
    if colon > last_slash:
        reference, tag = reference[:colon], reference[colon + 1 :]
    return reference, tag, digest


def _new_image(reference: str, image: Dict[str, str]) -> str:
    name, tag, digest = split_image(reference)
    if name != image["name"]:
        return reference
    name = image.get("newName", name)
    if "newTag" in image:
        tag, digest = str(image["newTag"]), None
    if "digest" in image:
        tag, digest = None, image["digest"]
    return name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
