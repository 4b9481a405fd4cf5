"""Does the league help? The default league against the article's naive self-play, side by side.

For each seed, trains the default league and ``--preset article`` for the same number of env
steps (the league's main agents and exploiters together; the article preset gets them all as
longer generations, so both take about the same wall clock), then measures the final main agent of
each role of each run:

- vs CPU: ``pong-league pit X cpu`` over ``--cpu-games`` games;
- gauntlet: ``pong-league gauntlet X`` (scripted styles no run trained against);
- exploitability: ``pong-league exploit X --steps 200000``, ``--br-seeds`` times with other seeds
  (the mean win rate of those fresh best responses, and the best of them);
- head to head: the league's final main of each role against the article run's, same role, under
  the runs' rules (the same for both).

With ``--ensemble K`` it measures, in place of each final main, the role's ensemble of its last
``K`` mains (``ensemble:left:K``, the mean of their action values), head to head included; its
answers are kept apart (``...-ens3-...``), so one ``--out`` holds both.

Every step is a ``pong-league`` command run as a subprocess, ``--jobs`` at a time, its answer kept
under ``--out``: an interrupted benchmark continues where it stopped when run again (a training
run is resumed with ``--resume``). It prints the table that the README quotes.

    python scripts/bench_quality.py                # 3 seeds, two commands at a time: hours
    python scripts/bench_quality.py --seeds 0      # one seed
    python scripts/bench_quality.py --report-only  # the table of the seeds measured so far
    python scripts/bench_quality.py --ensemble 3   # the ensembles of the same runs' last mains
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from league.config import LeagueConfig, load_config  # noqa: E402
from league.store import LeagueStore, SnapshotRecord  # noqa: E402

PRESETS = ("league", "article")
ROLES = ("left", "right")
T_95 = {1: 12.71, 2: 4.30, 3: 3.18, 4: 2.78, 5: 2.57, 6: 2.45, 7: 2.36, 8: 2.31, 9: 2.26}


@dataclass(frozen=True)
class Job:
    """One ``pong-league`` command whose JSON answer is kept in ``out`` (or a training run)."""

    name: str
    args: list[str]
    out: Path
    log: Path

    def done(self) -> bool:
        return self.out.exists()


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "league.cli", *args]


def league_steps(config: LeagueConfig) -> int:
    """Env steps of every learner of a league run: main agents and exploiters."""
    exploiters = config.main_exploiters + config.league_exploiters
    return config.generations * (config.steps_per_generation + exploiters * config.exploiter_steps)


def train_job(
    out: Path, seed: int, preset: str, steps_per_generation: int | None, config: Path | None
) -> Job:
    run = out / f"{preset}-s{seed}"
    marker = out / "done" / f"train-{preset}-s{seed}.json"
    if (run / "league.sqlite").exists():
        args = cli("train", "--resume", str(run), "--no-progress")
    else:
        args = cli("train", "--preset", preset, "--seed", str(seed), "--run-dir", str(run))
        args += ["--no-progress"]
        if steps_per_generation is not None:
            args += ["--steps-per-generation", str(steps_per_generation)]
        if config is not None:
            args += ["--config", str(config)]
    return Job(f"train {preset} seed {seed}", args, marker, out / "logs" / f"{run.name}.log")


def run_job(job: Job) -> None:
    if job.done():
        return
    job.log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"[{time.strftime('%H:%M:%S')}] start {job.name}", flush=True)
    stdout = job.log.with_suffix(".out")
    # Files, not pipes: a training run's lines can be followed while it runs (tail -f).
    with job.log.open("w") as log, stdout.open("w") as answer_file:
        proc = subprocess.run(job.args, stdout=answer_file, stderr=log, text=True, cwd=ROOT)
    log_text = stdout.read_text()
    if proc.returncode != 0:
        raise SystemExit(f"{job.name} failed (exit {proc.returncode}); see {job.log}")
    job.out.parent.mkdir(parents=True, exist_ok=True)
    seconds = time.perf_counter() - started
    try:
        answer = json.loads(log_text)
    except json.JSONDecodeError:  # a training run prints lines, not JSON
        answer = {"stdout": log_text}
    answer["bench_seconds"] = seconds
    tmp = job.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(answer, indent=2))
    tmp.replace(job.out)
    print(f"[{time.strftime('%H:%M:%S')}] done  {job.name} ({seconds:.0f} s)", flush=True)


def run_seeds(
    seeds: list[int],
    out: Path,
    args: argparse.Namespace,
    article_steps: int,
    run: Callable[[Job], None] | None = None,
) -> None:
    """Every seed's two training runs and its measurements, ``--jobs`` commands at a time.

    A run's measurements start as soon as that run is trained, the head to head once both are,
    and go before later seeds' jobs, so no worker idles while a job could start and an
    interrupted benchmark has whole seeds to show.

    :param run: runs one job (default :func:`run_job`, the command as a subprocess).
    """
    run = run or run_job
    trains = {
        seed: {
            "league": train_job(out, seed, "league", None, args.league_config),
            "article": train_job(out, seed, "article", article_steps, args.article_config),
        }
        for seed in seeds
    }
    # (seed, job); a name stands for jobs listed once runs are trained: a preset's
    # measurements once its run is, "h2h" (the head to head) once both are.
    queue: list[tuple[int, Job | str]] = [
        (seed, item) for seed in seeds for item in [*trains[seed].values(), *PRESETS, "h2h"]
    ]
    running: dict[Future[None], Job] = {}
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        while queue or running:
            expanded = False
            for item in list(queue):
                if len(running) >= args.jobs:
                    break
                seed, job = item
                if isinstance(job, str):  # expands once the runs it measures are trained
                    needs = PRESETS if job == "h2h" else (job,)
                    if not all(trains[seed][preset].done() for preset in needs):
                        continue
                    i = queue.index(item)
                    listed = (
                        h2h_jobs(out, seed, args)
                        if job == "h2h"
                        else measure_jobs(out, seed, job, args)
                    )
                    queue[i : i + 1] = [(seed, m) for m in listed]
                    expanded = True
                    break  # look again from the top: those go before later seeds' jobs
                queue.remove(item)
                if not job.done():
                    running[pool.submit(run, job)] = job
            if expanded or not running:
                # Jobs were just listed: start them before waiting, else a free worker idles
                # until a job already running ends.
                continue
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                running.pop(future)
                future.result()


def trained_mains(run: Path) -> dict[str, list[SnapshotRecord]]:
    """Each role's main snapshots of a run, oldest first, generation 0's untrained ones left
    out."""
    with LeagueStore.open(run, readonly=True) as store:
        snaps = [s for s in store.snapshots() if s.kind == "main" and s.generation > 0]
    return {role: [s for s in snaps if s.role == role] for role in ROLES}


def final_mains(run: Path) -> dict[str, str]:
    """The newest main snapshot of each role of a finished run, as a path to its .npz."""
    return {role: str(run / snaps[-1].npz_path) for role, snaps in trained_mains(run).items()}


def run_seconds(run: Path) -> float:
    with LeagueStore.open(run, readonly=True) as store:
        return sum(g.seconds for g in store.generations())


def champions(run: Path, ensemble: int) -> dict[str, str]:
    """What is measured of each role of a finished run: its final main (``ensemble`` 0), or the
    ensemble of its last ``ensemble`` mains, named with the run so it needs no ``--run``."""
    if not ensemble:
        return final_mains(run)
    return {role: f"ensemble:{role}:{ensemble}@{run}" for role in ROLES}


def ensemble_suffix(ensemble: int) -> str:
    """What tells an ensemble's answer files from a final main's: ``""``, ``"-ens3"``."""
    return f"-ens{ensemble}" if ensemble else ""


def champion_key(preset: str, seed: int, ensemble: int) -> str:
    """The answer files' stem of a run's champions: ``league-s0``, ``league-s0-ens3``."""
    return f"{preset}-s{seed}{ensemble_suffix(ensemble)}"


def measure_jobs(out: Path, seed: int, preset: str, args: argparse.Namespace) -> list[Job]:
    """The measurements of one trained run's champions (final mains, or ensembles with
    ``--ensemble``): best responses, gauntlet, vs CPU."""
    jobs = []
    run = out / f"{preset}-s{seed}"
    d, logs = out / "done", out / "logs"
    for role, target in champions(run, args.ensemble).items():
        key = f"{champion_key(preset, seed, args.ensemble)}-{role}"
        for i in range(args.br_seeds):
            name = exploit_name(key, i)
            jobs.append(
                Job(
                    f"exploit {key} #{i}",
                    cli("exploit", target, "--run", str(run), "--steps", str(args.br_steps))
                    + ["--games", str(args.br_games), "--seed", str(br_seed(seed, i))]
                    + ["--json", "--no-progress"],
                    d / f"{name}.json",
                    logs / f"{name}.log",
                )
            )
        jobs.append(
            Job(
                f"gauntlet {key}",
                cli("gauntlet", target, "--run", str(run), "--json")
                + ["--games", str(args.gauntlet_games)],
                d / f"gauntlet-{key}.json",
                logs / f"gauntlet-{key}.log",
            )
        )
        jobs.append(
            Job(
                f"cpu {key}",
                cli("pit", target, "cpu", "--run", str(run), "--json")
                + ["--games", str(args.cpu_games)],
                d / f"cpu-{key}.json",
                logs / f"cpu-{key}.log",
            )
        )
    return jobs


def h2h_jobs(out: Path, seed: int, args: argparse.Namespace) -> list[Job]:
    """The league's champion of each role against the article run's (the final mains, or
    their ensembles with ``--ensemble``), under the runs' rules (the same for both)."""
    mains = {preset: champions(out / f"{preset}-s{seed}", args.ensemble) for preset in PRESETS}
    name = h2h_name(seed, args.ensemble)
    rules_of = ["--run", str(out / f"league-s{seed}")]  # the rules and frame stack, no ids
    return [
        Job(
            f"head to head {name.removeprefix('h2h-')}-{role}",
            cli("pit", mains["league"][role], mains["article"][role], "--json", *rules_of)
            + ["--games", str(args.h2h_games)],
            out / "done" / f"{name}-{role}.json",
            out / "logs" / f"{name}-{role}.log",
        )
        for role in ROLES
    ]


def h2h_name(seed: int, ensemble: int) -> str:
    """The head to head's answer files (less the role): ``h2h-s0``, ``h2h-s0-ens3``."""
    return f"h2h-s{seed}{ensemble_suffix(ensemble)}"


def br_seed(seed: int, i: int) -> int:
    """Training seed of best response ``i`` of a bench seed's targets: ``seed``, then
    ``10 * seed + i``, so that no two best responses of one target share a seed."""
    return seed if i == 0 else 10 * seed + i


def exploit_name(key: str, i: int) -> str:
    """The answer file (no suffix) of best response ``i``; the first keeps its old name."""
    return f"exploit-{key}" if i == 0 else f"exploit-{key}-br{i}"


def lineage(out: Path, seeds: list[int], br_seeds: int, games: int = 200, ensemble: int = 0) -> str:
    """Each best response against every main its target's role had, in the target's run.

    A best response trains against the final main alone; where it also beats the role's earlier
    mains, what it found was never fixed in the run: a weakness of the lineage, not of the
    final snapshot. ``games`` per pair, sides and serves balanced, seeded 0 on.
    """
    from league.arena import pit

    lines: list[str] = []
    for seed in seeds:
        for preset in PRESETS:
            run = out / f"{preset}-s{seed}"
            for role, snaps in trained_mains(run).items():
                history = [s.id for s in snaps]
                if not history:  # a run too short to have trained this role
                    continue
                lines += ["", f"| {preset} s{seed}: best response | " + " | ".join(history) + " |"]
                lines += ["|---|" + "---:|" * len(history)]
                for i in range(br_seeds):
                    key = f"{champion_key(preset, seed, ensemble)}-{role}"
                    result = load(out / "done" / f"{exploit_name(key, i)}.json")["results"][0]
                    # The exploit commands ran in the repository: their paths are relative to it.
                    br = str((ROOT / result["path"]).with_suffix(".npz"))
                    rates = [pit(br, t, run, games=games).win_rate for t in history]
                    cells = " | ".join(f"{r:.0%}" for r in rates)
                    lines.append(f"| #{i} (seed {result['seed']}) | {cells} |")
                    print(lines[-1], flush=True)
    return "\n".join(lines)


def mean_ci(values: list[float]) -> tuple[float, float]:
    """Mean and the half-width of its 95% t-interval (0 for a single value)."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, float("nan")
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return mean, T_95.get(n - 1, 1.96) * sd / math.sqrt(n)


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def exploit_rate(data: dict[str, Any]) -> float:
    return float(data["exploitability"])


def gauntlet_score(data: dict[str, Any]) -> float:
    return float(data["score"])


def outright_rate(data: dict[str, Any]) -> float:
    """The share of games the best responses won outright (a draw counts nothing)."""
    results = data["results"]
    return sum(r["wins"] / r["games"] for r in results) / len(results)


def pit_rate(data: dict[str, Any]) -> float:
    return float(data["win_rate"])


MEASURES = ("exploit", "gauntlet", "cpu")


def measured(out: Path, seed: int, br_seeds: int, ensemble: int = 0) -> bool:
    """Whether every measurement of ``seed`` is done (of its ensembles, with ``ensemble``)."""
    d = out / "done"
    keys = [champion_key(p, seed, ensemble) for p in PRESETS]
    names = [f"{m}-{k}-{r}.json" for m in MEASURES for k in keys for r in ROLES]
    names += [
        f"{exploit_name(f'{k}-{r}', i)}.json" for k in keys for r in ROLES for i in range(br_seeds)
    ]
    names += [f"{h2h_name(seed, ensemble)}-{r}.json" for r in ROLES]
    return all((d / n).exists() for n in names)


def report(out: Path, seeds: list[int], args: argparse.Namespace) -> str:
    d = out / "done"
    what = champion_name(args.ensemble)
    lines = [
        f"bench_quality: seeds {seeds}; {args.br_seeds} best responses per {what}, "
        f"{args.br_steps:,} steps and {args.br_games} games each; "
        f"gauntlet {args.gauntlet_games} games a bot; "
        f"vs cpu {args.cpu_games} games; head to head {args.h2h_games} games",
        "",
        "| seed | preset | train time | vs CPU (L / R) | gauntlet (L / R) | "
        "exploitability (L / R) | head to head vs article (L / R) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    collected: dict[str, dict[str, list[float]]] = {
        p: {"cpu": [], "gauntlet": [], "exploit": [], "exploit_max": [], "outright": [], "h2h": []}
        for p in PRESETS
    }
    for seed in seeds:
        for preset in PRESETS:
            key = champion_key(preset, seed, args.ensemble)
            cpu = [pit_rate(load(d / f"cpu-{key}-{r}.json")) for r in ROLES]
            gauntlet = [gauntlet_score(load(d / f"gauntlet-{key}-{r}.json")) for r in ROLES]
            # Each role's best responses' win rates: their mean is the role's exploitability.
            answers = [
                [load(d / f"{exploit_name(f'{key}-{r}', i)}.json") for i in range(args.br_seeds)]
                for r in ROLES
            ]
            rates = [[exploit_rate(a) for a in role] for role in answers]
            outright = [sum(outright_rate(a) for a in role) / len(role) for role in answers]
            exploit = [sum(v) / len(v) for v in rates]
            exploit_cells = [f"{sum(v) / len(v):.1%} (max {max(v):.1%})" for v in rates]
            h2h = [pit_rate(load(d / f"{h2h_name(seed, args.ensemble)}-{r}.json")) for r in ROLES]
            if preset == "article":
                h2h = [1.0 - v for v in h2h]
            c = collected[preset]
            c["cpu"] += cpu
            c["gauntlet"] += gauntlet
            c["exploit"] += exploit
            c["exploit_max"] += [max(v) for v in rates]
            c["outright"] += outright
            c["h2h"] += h2h
            minutes = run_seconds(out / f"{preset}-s{seed}") / 60
            lines.append(
                f"| {seed} | {preset} | {minutes:.1f} min | {_pair(cpu)} | {_pair(gauntlet)} | "
                f"{' / '.join(exploit_cells)} | {_pair(h2h) if preset == 'league' else '-'} |"
            )
    lines += [
        "",
        "| preset | mean vs CPU | mean gauntlet | mean exploitability | mean of the best "
        "best responses | best responses' outright wins | mean head to head |",
    ]
    lines += ["|---|---:|---:|---:|---:|---:|---:|"]
    for preset in PRESETS:
        c = collected[preset]
        keys = ("cpu", "gauntlet", "exploit", "exploit_max", "outright", "h2h")
        cells = [_mean(c[k]) for k in keys]
        lines.append(f"| {preset} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"exploitability: the mean score of {args.br_seeds} best responses (seeds apart; a "
        "draw counts half), and the best of them; outright wins: the share of their games "
        "they won, draws not counted; means over seeds and roles, with their 95% t-interval "
        "from two seeds on",
        "",
    ]
    lines += goals(collected, seeds, champion_name(args.ensemble, plural=True))
    return "\n".join(lines)


def champion_name(ensemble: int, plural: bool = False) -> str:
    """What the table measured of each role: ``final main``, ``ensemble of its last 3 mains``
    (``final mains``, ``ensembles of their last 3 mains`` with ``plural``)."""
    if not ensemble:
        return "final mains" if plural else "final main"
    if plural:
        return f"ensembles of their last {ensemble} mains"
    return f"ensemble of its last {ensemble} mains"


def goals(
    c: dict[str, dict[str, list[float]]], seeds: list[int], what: str = "final mains"
) -> list[str]:
    league, article = c["league"], c["article"]
    n = len(seeds)
    exploit = sum(league["exploit"]) / len(league["exploit"])
    exploit_article = sum(article["exploit"]) / len(article["exploit"])
    won = sum(league["outright"]) / len(league["outright"])
    won_article = sum(article["outright"]) / len(article["outright"])
    per_seed_gauntlet = [
        (sum(league["gauntlet"][2 * i : 2 * i + 2]), sum(article["gauntlet"][2 * i : 2 * i + 2]))
        for i in range(n)
    ]
    checks = [
        (f"exploitability of the league's {what} <= 30% (mean {exploit:.1%})", exploit <= 0.3),
        (
            f"and below the article preset's ({exploit_article:.1%})",
            exploit < exploit_article,
        ),
        (
            f"read as games won outright, draws not counted: <= 30% (mean {won:.1%}) and below "
            f"the article preset's ({won_article:.1%})",
            won <= 0.3 and won < won_article,
        ),
        (
            "head to head >= 60% on each role, every seed (min "
            f"{min(league['h2h']):.1%}, mean {sum(league['h2h']) / len(league['h2h']):.1%})",
            min(league["h2h"]) >= 0.6,
        ),
        (f"vs CPU >= 95% (min {min(league['cpu']):.1%})", min(league["cpu"]) >= 0.95),
        (
            "gauntlet above the article preset's on every seed",
            all(a > b for a, b in per_seed_gauntlet),
        ),
    ]
    return [f"- {'PASS' if ok else 'FAIL'}: {text}" for text, ok in checks]


def _pair(values: list[float]) -> str:
    return " / ".join(f"{v:.1%}" for v in values)


def _mean(values: list[float]) -> str:
    """The mean, with its 95% t-interval from 4 values on (2 seeds x 2 roles)."""
    mean, half = mean_ci(values)
    return f"{mean:.1%}" + (f" ± {half:.1%}" if len(values) >= 4 else "")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="(default 0 1 2)")
    p.add_argument("--out", type=Path, default=ROOT / "runs" / "bench_quality", help="folder")
    # Each learner trains on one torch thread, so two commands use this project's 2 cores: two
    # best responses at a time took 150-160 s each there.
    p.add_argument("--jobs", type=int, default=2, help="commands at a time (default 2)")
    p.add_argument(
        "--br-seeds",
        type=int,
        default=4,
        help="best responses per final main (default 4): one alone is noise, the same main "
        "was beaten in 8%% to 81%% of games by six",
    )
    p.add_argument("--br-steps", type=int, default=200_000, help="best-response steps")
    p.add_argument("--br-games", type=int, default=1000, help="games per best response")
    p.add_argument("--gauntlet-games", type=int, default=400, help="games per gauntlet bot")
    p.add_argument("--cpu-games", type=int, default=1000, help="games against the CPU")
    p.add_argument("--h2h-games", type=int, default=1000, help="head-to-head games per role")
    p.add_argument(
        "--league-config",
        type=Path,
        metavar="TOML",
        help="the league runs' config over the default league (the article runs get as many "
        "env steps); a probe of a setting, in its own --out",
    )
    p.add_argument(
        "--article-config",
        type=Path,
        metavar="TOML",
        help="the article runs' config over --preset article (e.g. the same file as "
        "--league-config, for a setting both presets share; rules_overrides must be the same "
        "for both: head to head plays one game)",
    )
    p.add_argument(
        "--ensemble",
        type=int,
        default=0,
        metavar="K",
        help="measure each role's ensemble of its last K mains (ensemble:left:K, the mean of "
        "their action values) in place of its final main; 0 (the default): the final mains",
    )
    p.add_argument(
        "--report-only", action="store_true", help="print the table of the seeds measured so far"
    )
    p.add_argument(
        "--lineage",
        action="store_true",
        help="after the table: each best response against every main of its target's role in "
        "the target's run, 200 games each (does what it found go back generations?)",
    )
    args = p.parse_args(argv)
    if args.br_seeds < 1:
        p.error(f"--br-seeds {args.br_seeds}: train at least one best response a main (1 or more)")
    if args.ensemble < 0:
        p.error(
            f"--ensemble {args.ensemble}: give the number of mains to average (1 or more), or 0"
        )
    league = load_config(args.league_config, "league")
    article = load_config(args.article_config, preset="article")
    if league.game_rules() != article.game_rules():
        p.error(
            "--league-config and --article-config give the two presets different rules: head "
            "to head needs one game, so give both files the same rules_overrides"
        )
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    steps = league_steps(league)
    article_steps = steps // article.generations
    print(
        f"league: {steps:,} env steps per run (mains and exploiters); article preset: "
        f"{article.generations} generations x {article_steps:,} steps",
        flush=True,
    )
    started = time.perf_counter()
    if not args.report_only:
        run_seeds(args.seeds, out, args, article_steps)
    seeds = [seed for seed in args.seeds if measured(out, seed, args.br_seeds, args.ensemble)]
    if not seeds:
        print(f"no seed is measured yet in {out}")
        return 1
    suffix = ensemble_suffix(args.ensemble)  # the final mains' files stay
    table = report(out, seeds, args)
    (out / f"report{suffix}.md").write_text(table + "\n")
    print(table)
    if args.lineage:
        table = lineage(out, seeds, args.br_seeds, ensemble=args.ensemble)
        (out / f"lineage{suffix}.md").write_text(table + "\n")
    minutes = (time.perf_counter() - started) / 60
    print(f"\n{minutes:.1f} min this time; table in {out}/report{suffix}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
