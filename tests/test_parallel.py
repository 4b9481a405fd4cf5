"""The league on Ray (``--workers``, ``--address``): same results as in one process, on a
two-node cluster on this machine; a killed learner actor is redone; bad input is refused."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from league.agents import Slot
from league.cli import main
from league.config import load_config
from league.parallel import RayHosts, placement, ray_session
from league.store import LeagueStore
from league.trainer import League

pytestmark = pytest.mark.slow
KINDS = ("main", "main_exploiter", "league_exploiter")

# All of Ray's traffic on this machine: with this, Ray takes 127.0.0.1 as every node's address
# (it would replace a 127.0.0.1 cluster address by the machine's network address). Ray reads it
# when it is imported.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_worker_niceness", "0")

# Three generations with both exploiters: every learner kind trains beside another, an exploiter
# continues from its checkpoint and one starts afresh; gradient steps are taken.
CONFIG = """
generations = 3
steps_per_generation = 1500
exploiter_steps = 800
eval_games = 4
net_arch = [16, 16]
[dqn]
learning_starts = 300
buffer_size = 3000
target_update_interval = 300
[rules_overrides]
points_to_win = 2
max_steps = 1500
"""


@pytest.fixture(scope="module")
def cluster():
    """Two Ray nodes of one CPU each, on this machine only."""
    from ray.cluster_utils import Cluster

    head = {"num_cpus": 1, "node_ip_address": "127.0.0.1", "include_dashboard": False}
    c = Cluster(initialize_head=True, head_node_args=head)
    c.add_node(num_cpus=1, node_ip_address="127.0.0.1")
    c.wait_for_nodes()
    yield c
    c.shutdown()


@pytest.fixture(scope="module")
def in_one_process(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The fingerprint of the tiny league trained with --workers 1 (no Ray)."""
    tmp = tmp_path_factory.mktemp("one")
    (tmp / "c.toml").write_text(CONFIG)
    run = tmp / "run"
    args = ["train", "--config", str(tmp / "c.toml"), "--run-dir", str(run), "--no-progress"]
    assert main(args) == 0
    return fingerprint(run)


def fingerprint(run: Path) -> dict:
    """What must not depend on the workers: every snapshot's weights, every result, every
    rating and every generation's learner states."""
    with LeagueStore.open(run, readonly=True) as store:
        results = [(r.a, r.b, r.wins, r.losses, r.draws, r.seed) for r in store.results()]
        ratings = store.ratings()
        snapshots = [(s.id, s.kind, s.env_steps) for s in store.snapshots()]
        generations = [(g.generation, g.snapshot_id, g.distribution) for g in store.generations()]
        learners = store.learner_states()
    weights = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((run / "snapshots").glob("*.npz"))
    }
    return dict(
        weights=weights,
        snapshots=snapshots,
        results=results,
        ratings=ratings,
        generations=generations,
        learners=learners,
    )


def test_a_league_on_a_two_node_cluster_matches_one_process_byte_for_byte(
    cluster, in_one_process: dict, tmp_path: Path
) -> None:
    (tmp_path / "c.toml").write_text(CONFIG)
    run = tmp_path / "run"
    args = ["train", "--config", str(tmp_path / "c.toml"), "--run-dir", str(run)]
    assert main([*args, "--address", cluster.address, "--workers", "2", "--no-progress"]) == 0
    got = fingerprint(run)
    assert len(got["weights"]) >= 6  # 2 initial, 3 mains and frozen exploiters
    assert any(kind != "main" for _, kind, _ in got["snapshots"])
    assert got == in_one_process
    # The coordinator wrote SB3's curves of learners that trained on the other node.
    assert (run / "tb" / "left_0").is_dir() and (run / "tb" / "left_main_exploiter_0").is_dir()


def test_a_pettingzoo_league_with_maskable_ppo_on_the_cluster_matches_one_process(
    cluster, tmp_path: Path
) -> None:
    config = tmp_path / "ttt.toml"
    config.write_text("generations = 2\nsteps_per_generation = 512\nexploiter_steps = 512\n")
    runs = []
    for name, extra in (("one", []), ("two", ["--address", cluster.address, "--workers", "2"])):
        run = tmp_path / name
        args = ["train", "--game", "pettingzoo.classic.tictactoe_v3", "--config", str(config)]
        assert main([*args, "--run-dir", str(run), "--no-progress", *extra]) == 0
        runs.append(fingerprint(run))
    assert runs[0] == runs[1]
    assert not list((tmp_path / "two" / "learners").glob("*.pkl"))  # PPO: no replay buffer


def test_the_simultaneous_schedule_on_the_cluster_matches_one_process(
    cluster, tmp_path: Path
) -> None:
    """Both roles' learners of a round train at once, each role on its own node."""
    (tmp_path / "c.toml").write_text('schedule = "simultaneous"\n' + CONFIG)
    runs = []
    for name, extra in (("one", []), ("two", ["--address", cluster.address, "--workers", "2"])):
        run = tmp_path / name
        args = ["train", "--config", str(tmp_path / "c.toml"), "--generations", "2"]
        assert main([*args, "--run-dir", str(run), "--no-progress", *extra]) == 0
        runs.append(fingerprint(run))
    assert runs[0] == runs[1]
    assert [g for g, _, _ in runs[0]["generations"]] == [1, 2]


def test_a_main_kept_by_the_gate_goes_on_from_the_kept_network_on_the_cluster(
    cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The actor that trained the rejected network must not train on from it."""
    from league import trainer

    real = trainer.pool_scores

    def pool_scores(results, players, opponents):  # left-0003 loses, left-0005 passes
        forced = {"left-0003": (0.0, 1.0), "left-0005": (1.0, 0.0)}
        return forced.get(players[0]) or real(results, players, opponents)

    monkeypatch.setattr(trainer, "pool_scores", pool_scores)
    (tmp_path / "c.toml").write_text("main_gate = 0.05\n" + CONFIG)
    runs = []
    for name, extra in (("one", []), ("two", ["--address", cluster.address, "--workers", "2"])):
        run = tmp_path / name
        args = ["train", "--config", str(tmp_path / "c.toml"), "--generations", "5"]
        assert main([*args, "--run-dir", str(run), "--no-progress", *extra]) == 0
        runs.append(fingerprint(run))
    assert runs[0] == runs[1]
    steps = {sid: n for sid, kind, n in runs[0]["snapshots"] if kind == "main"}
    assert runs[0]["weights"]["left-0003.npz"] == runs[0]["weights"]["left-0001.npz"]
    assert (steps["left-0001"], steps["left-0003"], steps["left-0005"]) == (1500, 1500, 3000)


def test_placement_puts_learners_that_train_at_once_on_different_actors() -> None:
    left, right = [Slot("left", k) for k in KINDS], [Slot("right", k) for k in KINDS]
    # Alternate: a generation trains one role, its main agent beside its exploiters.
    assert [placement(s, 2, "alternate") for s in left] == [0, 1, 1]
    assert [placement(s, 3, "alternate") for s in right] == [0, 1, 2]
    # Simultaneous: each role on its half of the actors.
    assert [placement(s, 2, "simultaneous") for s in left + right] == [0, 0, 0, 1, 1, 1]
    assert [placement(s, 4, "simultaneous") for s in left + right] == [0, 1, 1, 2, 3, 3]
    assert [placement(s, 6, "simultaneous") for s in left + right] == [0, 1, 2, 3, 4, 5]
    assert {placement(s, 1, "simultaneous") for s in left + right} == {0}


def test_a_learner_actor_killed_mid_generation_is_redone_from_its_checkpoint(
    cluster, in_one_process: dict, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    (tmp_path / "c.toml").write_text(CONFIG)
    warnings: list[str] = []
    killed: list[int] = []
    with ray_session(2, cluster.address) as workers:
        league = League.create(run, load_config(tmp_path / "c.toml"))
        hosts = RayHosts(league.config, workers, warn=warnings.append)
        league.hosts = hosts
        pid = hosts.pids()[1]  # the exploiters' actor

        def kill_in_generation_3() -> None:
            import ray

            # Generation 3: the left exploiters continue from generation 1, held by that actor.
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and not killed:
                if len(list((run / "snapshots").glob("right-0002*.npz"))) >= 1:
                    try:
                        steps = ray.get(hosts.actors[1].progress.remote(), timeout=5)
                    except Exception:
                        steps = {}
                    if any(n > 200 for n in steps.values()):
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                time.sleep(0.05)

        killer = threading.Thread(target=kill_in_generation_3, daemon=True)
        killer.start()
        try:
            league.run()
        finally:
            league.close()
        killer.join(timeout=10)
    assert killed, "the exploiters' actor was never seen training in generation 3"
    assert len(warnings) == 1 and "died" in warnings[0] and "redoing learner left" in warnings[0]
    with LeagueStore.open(run, readonly=True) as store:
        assert [g.generation for g in store.generations()] == [1, 2, 3]
        mains = [s.id for s in store.snapshots() if s.kind == "main"]
        assert mains == ["left-0000", "right-0000", "left-0001", "right-0002", "left-0003"]
        ids = [s.id for s in store.snapshots()]
        assert len(ids) == len(set(ids))
    db = sqlite3.connect(run / "league.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    # Nothing lost or duplicated: the redone learner gave what it gives undisturbed.
    assert fingerprint(run) == in_one_process


def test_more_workers_than_the_cluster_has_cpus_is_refused_before_any_run(
    cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    args = ["train", "--address", cluster.address, "--workers", "3", "--run-dir", str(run)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "has 2 CPUs" in err and "--workers 2 or fewer" in err and len(err.splitlines()) == 1
    assert not run.exists()


def test_bad_address_is_one_line_exit_2_within_30_s_and_writes_no_run(tmp_path: Path) -> None:
    with socket_on_free_port() as port:  # a port nothing listens on
        pass
    run = tmp_path / "run"
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "league.cli",
            "train",
            "--address",
            f"127.0.0.1:{port}",
            "--run-dir",
            str(run),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert time.monotonic() - started < 30
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert f"127.0.0.1:{port}" in proc.stderr and "ray start --head" in proc.stderr
    assert not run.exists()


@pytest.mark.parametrize("workers", ["0", "-3"])
def test_impossible_worker_counts_are_refused(workers: str, tmp_path: Path, capsys) -> None:
    assert main(["train", "--workers", workers, "--run-dir", str(tmp_path / "run")]) == 2
    assert "--workers" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_without_ray_workers_2_says_how_to_install_it(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['ray'] = None\n"  # as if Ray were not installed
        "from league.cli import main\n"
        f"sys.exit(main(['train', '--workers', '2', '--run-dir', {str(tmp_path / 'run')!r}]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert "pip install -e '.[ray]'" in proc.stderr and "--workers 1" in proc.stderr
    assert not (tmp_path / "run").exists()


def test_one_worker_trains_without_importing_ray(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text(CONFIG.replace("generations = 3", "generations = 1"))
    code = (
        "import sys\n"
        "from league.cli import main\n"
        f"code = main(['train', '--config', {str(tmp_path / 'c.toml')!r}, '--run-dir', "
        f"{str(tmp_path / 'run')!r}, '--no-progress'])\n"
        "assert code == 0, code\n"
        "assert 'ray' not in sys.modules, sorted(m for m in sys.modules if 'ray' in m)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_a_killed_coordinator_leaves_no_ray_process_and_resumes_on_one_worker(
    tmp_path: Path,
) -> None:
    (tmp_path / "c.toml").write_text(CONFIG)
    run = tmp_path / "run"
    marker = f"pong-league-test-{uuid.uuid4().hex}"
    env = dict(os.environ, PONG_LEAGUE_TEST_MARK=marker)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "league.cli",
            "train",
            "--config",
            str(tmp_path / "c.toml"),
            "--run-dir",
            str(run),
            "--workers",
            "2",
            "--no-progress",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not _marked(marker, exclude=proc.pid):
            time.sleep(0.2)
        assert _marked(marker, exclude=proc.pid), "no Ray process started"
        while time.monotonic() < deadline and not list((run / "snapshots").glob("left-0001*")):
            time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    # Ray's processes follow the coordinator; its agents notice within a minute or two.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and _marked(marker):
        time.sleep(1)
    assert not _marked(marker), "Ray processes outlived the killed coordinator"
    assert main(["train", "--resume", str(run), "--no-progress"]) == 0
    with LeagueStore.open(run, readonly=True) as store:
        assert [g.generation for g in store.generations()] == [1, 2, 3]


def _marked(marker: str, exclude: int | None = None) -> list[int]:
    """Processes whose environment holds ``marker`` (the coordinator's children inherit it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in (exclude, os.getpid()):
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


class socket_on_free_port:
    """A port that was free a moment ago (bound, then closed)."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
