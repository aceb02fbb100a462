#!/usr/bin/env python3
"""Checks the deployment material under deploy/ against itself and the server.

  python3 tests/deploy/manifests_test.py SOURCE_DIR [PASSCLEAR_SERVER]

Kubernetes manifests (deploy/kubernetes/): required fields, the StatefulSet
against its headless Service, PodDisruptionBudget, ConfigMap, Secret and
Prometheus scrape configuration, and the partition map against the pods it
names. The systemd unit (deploy/systemd/): hardening, ExecStart, stop
timeout against the drain, writable paths, the audit log's rotation. With
the passclear-server binary: every flag the flag files and the StatefulSet
name is one the server has (--helpfull), and their values parse
(--only_check_args). Every failure names the file and the field.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile
import unittest

import yaml

SOURCE_DIR = ""
SERVER_BINARY = ""

KUBERNETES_DIR = "deploy/kubernetes"
PROMETHEUS_DIR = "deploy/prometheus"
SYSTEMD_UNIT = "deploy/systemd/passclear.service"
FLAGS_EXAMPLE = "deploy/systemd/passclear.flags.example"
LOGROTATE = "deploy/systemd/passclear.logrotate"
SYSTEMD_README = "deploy/systemd/README.md"
CONTAINERFILE = "deploy/container/Containerfile"
SECRET_EXAMPLE = "deploy/kubernetes/secret.example.yaml"

# The server's default --shutdown_timeout (server/server_main.cc).
DEFAULT_SHUTDOWN_TIMEOUT_S = 10
# Beyond --shutdown_timeout, a stop makes queued writes durable and closes
# RocksDB: seconds, not more.
STORE_CLOSE_MARGIN_S = 10
# Flags naming files the server writes: on a read-only root file system or
# under ProtectSystem=strict they must lie on a writable mount.
WRITTEN_PATH_FLAGS = ("data_dir", "backup_dir", "audit_log",
                      "admin_token_file", "port_file", "metrics_port_file")


def source_path(relative):
    return os.path.join(SOURCE_DIR, relative)


def read(relative):
    with open(source_path(relative), encoding="utf-8") as f:
        return f.read()


def yaml_files(directory):
    root = source_path(directory)
    return sorted(
        os.path.join(directory, name) for name in os.listdir(root)
        if name.endswith((".yaml", ".yml")))


def load_documents(relative):
    try:
        return [d for d in yaml.safe_load_all(read(relative)) if d is not None]
    except yaml.YAMLError as error:
        raise AssertionError(f"{relative}: not valid YAML: {error}") from None


def duration_seconds(text, where):
    """An Abseil duration ("20s", "1m30s", "500ms") in seconds."""
    units = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ns|us|ms|h|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise AssertionError(f"{where}: '{text}' is not a duration")
    return sum(float(n) * units[u] for n, u in parts)


def systemd_seconds(text, where):
    """A systemd time span ("60", "90s", "1min 30s") in seconds."""
    units = {"ms": 1e-3, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600,
             "hr": 3600}
    if re.fullmatch(r"\d+", text):
        return int(text)
    parts = re.findall(r"(\d+)\s*([a-z]+)", text)
    if (not parts or any(u not in units for _, u in parts)
            or "".join(n + u for n, u in parts) != text.replace(" ", "")):
        raise AssertionError(f"{where}: '{text}' is not a time span")
    return sum(int(n) * units[u] for n, u in parts)


def parse_flag_args(args, where):
    """{name: value} of "--name=value" arguments; a bare --name is "true"."""
    flags = {}
    for arg in args:
        match = re.fullmatch(r"--([A-Za-z0-9_]+)(?:=(.*))?", arg, re.DOTALL)
        if not match:
            raise AssertionError(f"{where}: '{arg}' is not --flag=value")
        name, value = match.group(1), match.group(2)
        if name in flags:
            raise AssertionError(f"{where}: --{name} is given twice")
        flags[name] = "true" if value is None else value
    return flags


def parse_flag_file(text, where):
    """The flags an Abseil flag file sets, and those its comments mention.

    Abseil takes a line's value to its end, trailing spaces and all: each
    line must be exactly --name=value.
    """
    lines = []
    mentioned = set()
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            mentioned.update(re.findall(r"^#\s*--([A-Za-z0-9_]+)=", stripped))
            continue
        if not re.fullmatch(r"--[A-Za-z0-9_]+=\S(.*\S)?", line.lstrip()):
            raise AssertionError(
                f"{where}: line {number}: '{line}' is not --flag=value "
                "(no quotes or spaces after the value)")
        lines.append(line.lstrip())
    return parse_flag_args(lines, where), mentioned


def port_of(address, where):
    match = re.fullmatch(r".*:(\d+)", address)
    if not match:
        raise AssertionError(f"{where}: '{address}' has no :port")
    return int(match.group(1))


def under(path, directory):
    path = os.path.normpath(path)
    directory = os.path.normpath(directory)
    return path == directory or path.startswith(directory + "/")


class Kubernetes:
    """The parsed manifests of deploy/kubernetes/, loaded once."""

    def __init__(self):
        self.documents = []  # (file, document)
        for relative in yaml_files(KUBERNETES_DIR):
            for document in load_documents(relative):
                self.documents.append((relative, document))

    def all(self, kind):
        return [(f, d) for f, d in self.documents if d.get("kind") == kind]

    def one(self, kind, name=None):
        found = [(f, d) for f, d in self.all(kind)
                 if name is None or d["metadata"]["name"] == name]
        if len(found) != 1:
            raise AssertionError(
                f"{KUBERNETES_DIR}: expected one {kind}"
                f"{' named ' + name if name else ''}, found {len(found)}")
        return found[0]

    def statefulset(self):
        return self.one("StatefulSet", "passclear")

    def container(self):
        path, sts = self.statefulset()
        containers = sts["spec"]["template"]["spec"]["containers"]
        for container in containers:
            if container.get("name") == "passclear":
                return path, container
        raise AssertionError(
            f"{path}: spec.template.spec.containers: no container 'passclear'")

    def args(self):
        path, container = self.container()
        return parse_flag_args(container.get("args", []),
                               f"{path}: containers[passclear].args")

    def mounted_file(self, file_path):
        """(volume, key) of the configMap or secret file at `file_path`."""
        path, sts = self.statefulset()
        _, container = self.container()
        volumes = {v["name"]: v for v in sts["spec"]["template"]["spec"].get(
            "volumes", [])}
        for mount in container.get("volumeMounts", []):
            directory = mount["mountPath"]
            if os.path.dirname(file_path) != os.path.normpath(directory):
                continue
            volume = volumes.get(mount["name"])
            if volume is None:
                raise AssertionError(
                    f"{path}: volumeMounts[{mount['name']}]: no such volume")
            return volume, os.path.basename(file_path)
        raise AssertionError(
            f"{path}: containers[passclear].volumeMounts: nothing mounted "
            f"at {os.path.dirname(file_path)} for {file_path}")

    def config_file(self, file_path):
        """The text of the ConfigMap file mounted at `file_path`."""
        volume, key = self.mounted_file(file_path)
        path, _ = self.statefulset()
        if "configMap" not in volume:
            raise AssertionError(
                f"{path}: volumes[{volume['name']}]: {file_path} is not from "
                "a ConfigMap")
        cm_path, configmap = self.one("ConfigMap",
                                      volume["configMap"]["name"])
        if key not in configmap.get("data", {}):
            raise AssertionError(f"{cm_path}: data: no key '{key}' "
                                 f"(mounted as {file_path})")
        return cm_path, configmap["data"][key]

    def flags(self):
        """Every flag the pod gets: its flag file's, then its args'."""
        args = self.args()
        where, text = self.config_file(args["flagfile"])
        from_file, _ = parse_flag_file(text, f"{where}: passclear.flags")
        return {**from_file, **args}

    def container_ports(self):
        _, container = self.container()
        return {p.get("name"): p["containerPort"]
                for p in container.get("ports", [])}


class KubernetesTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.k8s = Kubernetes()

    def test_every_document_has_api_version_kind_and_name(self):
        self.assertTrue(self.k8s.documents, f"{KUBERNETES_DIR}: no manifest")
        for path, document in self.k8s.documents:
            for field in ("apiVersion", "kind"):
                self.assertIsInstance(document.get(field), str,
                                      f"{path}: {field} missing")
            metadata = document.get("metadata") or {}
            self.assertTrue(metadata.get("name"),
                            f"{path}: {document.get('kind')}: metadata.name "
                            "missing")
            self.assertNotIn("namespace", metadata,
                             f"{path}: {metadata.get('name')}: "
                             "metadata.namespace: the manifests are applied "
                             "with kubectl -n")

    def test_statefulset_is_governed_by_a_headless_service(self):
        path, sts = self.k8s.statefulset()
        spec = sts["spec"]
        self.assertEqual(spec.get("podManagementPolicy"), "Parallel",
                         f"{path}: spec.podManagementPolicy")
        self.assertIsInstance(spec.get("replicas"), int,
                              f"{path}: spec.replicas")
        service_path, service = self.k8s.one("Service",
                                             spec.get("serviceName"))
        self.assertEqual(service["spec"].get("clusterIP"), "None",
                         f"{service_path}: spec.clusterIP: the StatefulSet's "
                         "serviceName must be headless")
        labels = spec["template"]["metadata"]["labels"]
        self.assertLessEqual(spec["selector"]["matchLabels"].items(),
                             labels.items(),
                             f"{path}: spec.selector.matchLabels does not "
                             "match spec.template.metadata.labels")
        self.assertLessEqual(service["spec"]["selector"].items(),
                             labels.items(),
                             f"{service_path}: spec.selector does not match "
                             f"the pods of {path}")

    def test_service_ports_exist_in_the_container(self):
        ports = self.k8s.container_ports()
        for path, service in self.k8s.all("Service"):
            for port in service["spec"].get("ports", []):
                target = port.get("targetPort", port["port"])
                known = (target in ports if isinstance(target, str) else
                         target in ports.values())
                self.assertTrue(known,
                                f"{path}: spec.ports[{port.get('name')}]."
                                f"targetPort {target} is not a containerPort "
                                f"of the passclear container {ports}")

    def test_disruption_budget_covers_the_pods(self):
        path, pdb = self.k8s.one("PodDisruptionBudget")
        _, sts = self.k8s.statefulset()
        self.assertEqual(pdb["spec"].get("maxUnavailable"), 1,
                         f"{path}: spec.maxUnavailable")
        self.assertEqual(pdb["spec"]["selector"].get("matchLabels"),
                         sts["spec"]["selector"]["matchLabels"],
                         f"{path}: spec.selector.matchLabels must be the "
                         "StatefulSet's selector")

    def test_probes_call_grpc_health_on_the_grpc_port(self):
        path, container = self.k8s.container()
        grpc_port = self.k8s.container_ports().get("grpc")
        self.assertIsNotNone(grpc_port,
                             f"{path}: containers[passclear].ports: no port "
                             "named grpc")
        listen = self.k8s.flags()["listen"]
        self.assertEqual(port_of(listen, f"{path}: --listen"), grpc_port,
                         f"{path}: --listen is not the grpc port")
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            if probe == "startupProbe" and probe not in container:
                continue
            spec = container.get(probe)
            self.assertIsNotNone(spec, f"{path}: containers[passclear]."
                                 f"{probe} missing")
            handlers = {"grpc", "exec", "httpGet", "tcpSocket"} & spec.keys()
            self.assertEqual(handlers, {"grpc"},
                             f"{path}: {probe}: must be a grpc probe")
            self.assertEqual(spec["grpc"].get("port"), grpc_port,
                             f"{path}: {probe}.grpc.port is not the "
                             "container's grpc port")

    def test_written_paths_are_on_writable_volumes(self):
        path, sts = self.k8s.statefulset()
        _, container = self.k8s.container()
        claims = {t["metadata"]["name"]
                  for t in sts["spec"].get("volumeClaimTemplates", [])}
        empty_dirs = {v["name"] for v in sts["spec"]["template"]["spec"].get(
            "volumes", []) if "emptyDir" in v}
        writable = [m["mountPath"] for m in container.get("volumeMounts", [])
                    if not m.get("readOnly")
                    and m["name"] in claims | empty_dirs]
        flags = self.k8s.flags()
        self.assertIn("data_dir", flags, f"{path}: no --data_dir")
        data_mounts = [m for m in container.get("volumeMounts", [])
                       if m["name"] in claims
                       and under(flags["data_dir"], m["mountPath"])]
        self.assertTrue(data_mounts,
                        f"{path}: --data_dir={flags['data_dir']} is not on a "
                        "volumeClaimTemplate's volumeMount")
        for name in WRITTEN_PATH_FLAGS:
            if name in flags:
                self.assertTrue(
                    any(under(flags[name], m) for m in writable),
                    f"{path}: --{name}={flags[name]} is on the read-only "
                    f"root file system (writable mounts: {writable})")

    def test_pod_runs_unprivileged(self):
        path, sts = self.k8s.statefulset()
        _, container = self.k8s.container()
        pod = sts["spec"]["template"]["spec"].get("securityContext", {})
        own = container.get("securityContext", {})
        self.assertTrue(own.get("runAsNonRoot", pod.get("runAsNonRoot")),
                        f"{path}: securityContext.runAsNonRoot must be true")
        self.assertIs(own.get("readOnlyRootFilesystem"), True,
                      f"{path}: containers[passclear].securityContext."
                      "readOnlyRootFilesystem")
        self.assertIs(own.get("allowPrivilegeEscalation"), False,
                      f"{path}: containers[passclear].securityContext."
                      "allowPrivilegeEscalation")
        self.assertIn("ALL", own.get("capabilities", {}).get("drop", []),
                      f"{path}: containers[passclear].securityContext."
                      "capabilities.drop")
        resources = container.get("resources", {})
        for field in ("requests.cpu", "requests.memory", "limits.memory"):
            group, name = field.split(".")
            self.assertIn(name, resources.get(group, {}),
                          f"{path}: containers[passclear].resources.{field}")

    def test_instance_is_the_pod_name(self):
        path, container = self.k8s.container()
        self.assertEqual(self.k8s.args().get("instance"), "$(POD_NAME)",
                         f"{path}: args: --instance")
        env = {e["name"]: e for e in container.get("env", [])}
        self.assertEqual(
            env.get("POD_NAME", {}).get("valueFrom", {}).get("fieldRef", {})
            .get("fieldPath"), "metadata.name",
            f"{path}: env POD_NAME must come from fieldRef metadata.name")

    def test_flag_file_and_args_do_not_overlap(self):
        path, _ = self.k8s.container()
        args = self.k8s.args()
        where, text = self.k8s.config_file(args["flagfile"])
        from_file, _ = parse_flag_file(text, where)
        both = sorted(from_file.keys() & args.keys())
        self.assertFalse(both, f"{path}: args and {where} both set "
                         f"{both}: the last one read would win silently")

    def test_termination_grace_covers_the_drain(self):
        path, sts = self.k8s.statefulset()
        _, container = self.k8s.container()
        pod = sts["spec"]["template"]["spec"]
        flags = self.k8s.flags()
        drain = DEFAULT_SHUTDOWN_TIMEOUT_S
        if "shutdown_timeout" in flags:
            drain = duration_seconds(flags["shutdown_timeout"],
                                     f"{path}: --shutdown_timeout")
        pre_stop = container.get("lifecycle", {}).get("preStop", {})
        command = pre_stop.get("exec", {}).get("command", [])
        if command and os.path.basename(command[0]) == "sleep":
            drain += float(command[1])
        drain += pre_stop.get("sleep", {}).get("seconds", 0)
        grace = pod.get("terminationGracePeriodSeconds", 30)
        self.assertGreaterEqual(
            grace, drain + STORE_CLOSE_MARGIN_S,
            f"{path}: terminationGracePeriodSeconds {grace} leaves less than "
            f"{STORE_CLOSE_MARGIN_S}s after preStop and --shutdown_timeout "
            f"({drain}s) to close the store")

    def test_partition_map_matches_the_pods(self):
        path, sts = self.k8s.statefulset()
        args = self.k8s.args()
        where, text = self.k8s.config_file(args["partition_map"])
        shards = None
        owners = {}
        names = []
        for number, line in enumerate(text.splitlines(), 1):
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            at = f"{where}: partition-map line {number}"
            if words[0] == "shards" and len(words) == 2:
                shards = int(words[1])
            elif words[0] == "instance" and len(words) == 4:
                name, address, span = words[1:]
                first, last = (int(n) for n in span.split("-"))
                names.append(name)
                pod_host = f"{name}.{sts['spec']['serviceName']}"
                host = address.rsplit(":", 1)[0]
                self.assertTrue(
                    host == pod_host or host.startswith(pod_host + "."),
                    f"{at}: address {address} is not the pod's name under "
                    f"the headless Service {sts['spec']['serviceName']}")
                self.assertEqual(port_of(address, at),
                                 self.k8s.container_ports()["grpc"],
                                 f"{at}: {address} is not the grpc port")
                for shard in range(first, last + 1):
                    self.assertNotIn(shard, owners,
                                     f"{at}: shard {shard} is already owned "
                                     f"by {owners.get(shard)}")
                    owners[shard] = name
            else:
                self.fail(f"{at}: '{line}' is neither 'shards N' nor "
                          "'instance NAME ADDRESS FIRST-LAST'")
        self.assertIsNotNone(shards, f"{where}: no 'shards N' line")
        self.assertEqual(str(shards), args.get("shards"),
                         f"{path}: args: --shards is not the map's shards")
        self.assertEqual(sorted(owners), list(range(shards)),
                         f"{where}: shards without an owner: "
                         f"{sorted(set(range(shards)) - owners.keys())}")
        pods = [f"{sts['metadata']['name']}-{i}"
                for i in range(sts["spec"]["replicas"])]
        self.assertEqual(sorted(names), pods,
                         f"{where}: instances are not the pods of {path} "
                         f"(spec.replicas {sts['spec']['replicas']})")

    def test_scheme_secret_comes_from_the_secret(self):
        path, _ = self.k8s.statefulset()
        file_path = self.k8s.args().get("scheme_secret_file")
        self.assertIsNotNone(file_path, f"{path}: args: --scheme_secret_file")
        volume, key = self.k8s.mounted_file(file_path)
        self.assertIn("secret", volume,
                      f"{path}: volumes[{volume['name']}]: {file_path} is "
                      "not from a Secret")
        secret_path, secret = self.k8s.one("Secret",
                                           volume["secret"]["secretName"])
        self.assertEqual(secret_path, SECRET_EXAMPLE,
                         f"{secret_path}: the only Secret is the example")
        values = {**secret.get("data", {}), **secret.get("stringData", {})}
        self.assertIn(key, values, f"{secret_path}: no key '{key}'")

    def test_prometheus_scrapes_the_metrics_port(self):
        scrape = None
        for path, configmap in self.k8s.all("ConfigMap"):
            for key, text in configmap.get("data", {}).items():
                if key.endswith((".yml", ".yaml")):
                    scrape = (f"{path}: data.{key}", yaml.safe_load(text))
        self.assertIsNotNone(scrape, f"{KUBERNETES_DIR}: no ConfigMap holds "
                             "a Prometheus configuration")
        where, config = scrape
        jobs = {j["job_name"]: j for j in config.get("scrape_configs", [])}
        job = jobs.get("passclear")
        self.assertIsNotNone(job, f"{where}: no job_name passclear "
                             "(alerts.yml selects job=\"passclear\")")
        roles = [sd.get("role") for sd in job.get("kubernetes_sd_configs", [])]
        self.assertEqual(roles, ["pod"], f"{where}: kubernetes_sd_configs")
        # Evaluate the keep rules on the pod's labels and each of its ports.
        _, sts = self.k8s.statefulset()
        pod_labels = sts["spec"]["template"]["metadata"]["labels"]
        meta = {"__meta_kubernetes_pod_label_"
                + re.sub(r"[^A-Za-z0-9_]", "_", k): v
                for k, v in pod_labels.items()}
        kept = []
        for name, number in self.k8s.container_ports().items():
            labels = {**meta,
                      "__meta_kubernetes_pod_container_port_name": name,
                      "__meta_kubernetes_pod_container_port_number":
                      str(number)}
            keeps = [r for r in job.get("relabel_configs", [])
                     if r.get("action") == "keep"]
            if all(
                    re.fullmatch(r.get("regex", "(.*)"), r.get(
                        "separator", ";").join(labels.get(s, "")
                                               for s in r["source_labels"]))
                    for r in keeps):
                kept.append(number)
        metrics_port = port_of(self.k8s.flags()["metrics_listen"],
                               "--metrics_listen")
        self.assertEqual(kept, [metrics_port],
                         f"{where}: relabel_configs keep ports {kept}, not "
                         f"only the --metrics_listen port {metrics_port}")


class PrometheusFilesTest(unittest.TestCase):

    def test_every_file_parses(self):
        for relative in yaml_files(PROMETHEUS_DIR):
            documents = load_documents(relative)
            self.assertTrue(documents, f"{relative}: empty")
            for document in documents:
                self.assertIsInstance(document, dict,
                                      f"{relative}: not a mapping")

    def test_alerts_select_a_scraped_job(self):
        scraped = {j["job_name"]
                   for j in load_documents(f"{PROMETHEUS_DIR}/prometheus.yml")
                   [0]["scrape_configs"]}
        alerts = read(f"{PROMETHEUS_DIR}/alerts.yml")
        for job in set(re.findall(r'job="([^"]+)"', alerts)):
            self.assertIn(job, scraped, f"{PROMETHEUS_DIR}/alerts.yml: "
                          f"job=\"{job}\" is not scraped by prometheus.yml")


def parse_unit(text):
    """{section: [(key, value)]}: systemd allows a key several times."""
    sections = {}
    section = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = sections.setdefault(line.strip("[]"), [])
        else:
            key, _, value = line.partition("=")
            section.append((key.strip(), value.strip()))
    return sections


class SystemdTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.service = parse_unit(read(SYSTEMD_UNIT)).get("Service", [])
        cls.flags, cls.mentioned = parse_flag_file(read(FLAGS_EXAMPLE),
                                                   FLAGS_EXAMPLE)

    def values(self, key):
        return [v for k, v in self.service if k == key]

    def value(self, key):
        values = self.values(key)
        self.assertTrue(values, f"{SYSTEMD_UNIT}: [Service] {key}= missing")
        return values[-1]

    def test_hardening(self):
        for key in ("ProtectHome", "PrivateTmp", "PrivateDevices",
                    "NoNewPrivileges", "MemoryDenyWriteExecute"):
            self.assertIn(self.value(key), ("yes", "true", "on", "1"),
                          f"{SYSTEMD_UNIT}: {key}")
        self.assertEqual(self.value("ProtectSystem"), "strict",
                         f"{SYSTEMD_UNIT}: ProtectSystem")
        self.assertEqual(
            set(" ".join(self.values("RestrictAddressFamilies")).split()),
            {"AF_INET", "AF_INET6", "AF_UNIX"},
            f"{SYSTEMD_UNIT}: RestrictAddressFamilies")
        self.assertEqual(self.values("CapabilityBoundingSet"), [""],
                         f"{SYSTEMD_UNIT}: CapabilityBoundingSet must be "
                         "given once, empty")
        allowed = [v for v in self.values("SystemCallFilter")
                   if not v.startswith("~")]
        self.assertIn("@system-service", " ".join(allowed).split(),
                      f"{SYSTEMD_UNIT}: SystemCallFilter")
        self.assertIn("passclear", self.value("StateDirectory").split(),
                      f"{SYSTEMD_UNIT}: StateDirectory")
        user = self.values("User")
        self.assertTrue(
            self.values("DynamicUser") in (["yes"], ["true"])
            or (user and user[-1] not in ("root", "0")),
            f"{SYSTEMD_UNIT}: User= (not root) or DynamicUser=yes")
        self.assertGreaterEqual(int(self.value("LimitNOFILE").split(":")[-1]),
                                65536, f"{SYSTEMD_UNIT}: LimitNOFILE")

    def test_exec_start_reads_the_flag_file(self):
        command = shlex.split(self.value("ExecStart"))
        self.assertEqual(os.path.basename(command[0]), "passclear-server",
                         f"{SYSTEMD_UNIT}: ExecStart")
        flags = parse_flag_args(command[1:], f"{SYSTEMD_UNIT}: ExecStart")
        self.assertIn("flagfile", flags, f"{SYSTEMD_UNIT}: ExecStart has no "
                      "--flagfile")
        self.assertIn(flags["flagfile"], read(SYSTEMD_README),
                      f"{SYSTEMD_README}: does not install "
                      f"{flags['flagfile']}, ExecStart's --flagfile")

    def test_stop_waits_for_the_drain(self):
        self.assertEqual(self.value("Restart"), "on-failure",
                         f"{SYSTEMD_UNIT}: Restart")
        self.assertEqual(self.value("KillSignal"), "SIGTERM",
                         f"{SYSTEMD_UNIT}: KillSignal")
        drain = (duration_seconds(self.flags["shutdown_timeout"],
                                  f"{FLAGS_EXAMPLE}: --shutdown_timeout")
                 if "shutdown_timeout" in self.flags
                 else DEFAULT_SHUTDOWN_TIMEOUT_S)
        stop = systemd_seconds(self.value("TimeoutStopSec"),
                               f"{SYSTEMD_UNIT}: TimeoutStopSec")
        self.assertGreaterEqual(
            stop, drain + STORE_CLOSE_MARGIN_S,
            f"{SYSTEMD_UNIT}: TimeoutStopSec {stop}s leaves less than "
            f"{STORE_CLOSE_MARGIN_S}s after {FLAGS_EXAMPLE}'s "
            f"--shutdown_timeout ({drain}s) to close the store")

    def test_flags_example_is_for_production(self):
        self.assertEqual(self.flags.get("demo_data"), "false",
                         f"{FLAGS_EXAMPLE}: --demo_data")
        self.assertEqual(self.flags.get("durability"), "sync",
                         f"{FLAGS_EXAMPLE}: --durability")

    def test_written_paths_are_writable(self):
        writable = ["/var/lib/" + d for v in self.values("StateDirectory")
                    for d in v.split()]
        writable += ["/var/log/" + d for v in self.values("LogsDirectory")
                     for d in v.split()]
        writable += [p.lstrip("-") for v in self.values("ReadWritePaths")
                     for p in v.split()]
        self.assertIn("data_dir", self.flags, f"{FLAGS_EXAMPLE}: --data_dir")
        for name in WRITTEN_PATH_FLAGS:
            if name in self.flags:
                self.assertTrue(
                    any(under(self.flags[name], d) for d in writable),
                    f"{FLAGS_EXAMPLE}: --{name}={self.flags[name]} is "
                    f"read-only under {SYSTEMD_UNIT}'s ProtectSystem=strict "
                    f"(writable: {writable})")

    def test_logrotate_rotates_the_audit_log(self):
        rotation = read(LOGROTATE)
        audit_log = self.flags.get("audit_log")
        self.assertIsNotNone(audit_log, f"{FLAGS_EXAMPLE}: --audit_log")
        self.assertRegex(rotation, rf"(?m)^{re.escape(audit_log)}\s*{{",
                         f"{LOGROTATE}: does not rotate {audit_log}")
        # The server never reopens the file (server/audit_log.cc).
        self.assertRegex(rotation, r"(?m)^\s*copytruncate\s*$",
                         f"{LOGROTATE}: copytruncate")


class ContainerfileTest(unittest.TestCase):

    def test_image_agrees_with_the_statefulset(self):
        text = read(CONTAINERFILE)
        k8s = Kubernetes()
        path, sts = k8s.statefulset()
        user = re.findall(r"(?m)^USER\s+(\d+)", text)
        self.assertEqual(
            user[-1:],
            [str(sts["spec"]["template"]["spec"]["securityContext"]
                 .get("runAsUser"))],
            f"{CONTAINERFILE}: USER is not {path}'s runAsUser")
        exposed = {int(p) for line in re.findall(r"(?m)^EXPOSE\s+(.*)", text)
                   for p in re.findall(r"\d+", line)}
        self.assertEqual(exposed, set(k8s.container_ports().values()),
                         f"{CONTAINERFILE}: EXPOSE is not {path}'s "
                         "containerPorts")


class ServerFlagsTest(unittest.TestCase):
    """Against the passclear-server binary given as second argument."""

    @classmethod
    def setUpClass(cls):
        if not SERVER_BINARY:
            raise unittest.SkipTest("no passclear-server binary given")
        help_text = subprocess.run([SERVER_BINARY, "--helpfull"],
                                   capture_output=True, text=True).stdout
        cls.known = set(re.findall(r"(?m)^\s+--([A-Za-z0-9_]+) \(",
                                   help_text))
        if "data_dir" not in cls.known:
            raise AssertionError(f"{SERVER_BINARY} --helpfull lists no "
                                 "--data_dir: not passclear-server?")

    def named_flags(self):
        """{where: flags} of every flag the deployment files name."""
        named = {}
        flags, mentioned = parse_flag_file(read(FLAGS_EXAMPLE), FLAGS_EXAMPLE)
        named[FLAGS_EXAMPLE] = set(flags) | mentioned
        command = shlex.split(dict(parse_unit(read(SYSTEMD_UNIT))["Service"])
                              ["ExecStart"])
        named[f"{SYSTEMD_UNIT}: ExecStart"] = set(
            parse_flag_args(command[1:], SYSTEMD_UNIT))
        k8s = Kubernetes()
        path, _ = k8s.statefulset()
        args = k8s.args()
        named[f"{path}: args"] = set(args)
        where, text = k8s.config_file(args["flagfile"])
        flags, mentioned = parse_flag_file(text, where)
        named[where] = set(flags) | mentioned
        return named

    def test_every_named_flag_exists(self):
        unknown = [f"{where}: --{flag}"
                   for where, flags in self.named_flags().items()
                   for flag in sorted(flags - self.known)]
        self.assertFalse(unknown, f"flags {SERVER_BINARY} --helpfull does "
                         "not list:\n  " + "\n  ".join(unknown))

    def check_args(self, where, args):
        result = subprocess.run([SERVER_BINARY, *args, "--only_check_args"],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 0,
                         f"{where}: passclear-server refuses these flags:\n"
                         f"{result.stderr.strip()}")

    def test_flags_example_values_parse(self):
        self.check_args(FLAGS_EXAMPLE,
                        [f"--flagfile={source_path(FLAGS_EXAMPLE)}"])

    def test_statefulset_flag_values_parse(self):
        k8s = Kubernetes()
        path, container = k8s.container()
        where, text = k8s.config_file(k8s.args()["flagfile"])
        with tempfile.NamedTemporaryFile("w", suffix=".flags") as flag_file:
            flag_file.write(text)
            flag_file.flush()
            args = [f"--flagfile={flag_file.name}"
                    if a.startswith("--flagfile=")
                    else a.replace("$(POD_NAME)", "passclear-0")
                    for a in container["args"]]
            self.check_args(f"{path}: args with {where}", args)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    SOURCE_DIR = sys.argv[1]
    SERVER_BINARY = sys.argv[2] if len(sys.argv) == 3 else ""
    unittest.main(argv=sys.argv[:1], verbosity=2)
