"""``pong-league``: the command line. Each subcommand is a thin shell over the library.

Errors a user can fix (``LeagueError``, bad values) print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from league.config import ALGOS, PRESET_OVERRIDES, SCHEDULES, SCHEMES, LeagueConfig
from league.errors import LeagueError

if TYPE_CHECKING:
    from league.gauntlet import GauntletReport

EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 1  # what Python's own recipe exits with when the reader of stdout is gone
DEFAULTS = LeagueConfig()  # what `train` uses for an option it is not given
# pit's --video-speed default; league.arena.VIDEO_SPEED is the same (a test checks), not imported
# here, since that would load pygame and imageio for every command.
VIDEO_SPEED = 2.5


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    try:
        code = int(args.run(args) or 0)
        sys.stdout.flush()  # a closed pipe fails here, inside the handler, not at exit
        return code
    except LeagueError as err:
        print(f"pong-league: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # `pong-league ls RUN | head -3`: the reader has what it wanted. Point stdout at
        # devnull so that the interpreter's last flush does not fail again, and stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


class _Parser(argparse.ArgumentParser):
    """argparse, with bad usage said in one line (and where to look) instead of the usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions of one paragraph are wrapped; text with line breaks (the examples of each
    command's epilog) is printed as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return super()._fill_text(text, width, indent)
        return argparse.HelpFormatter._fill_text(self, text, width, indent)


def _examples(*lines: str) -> str:
    """An epilog: the command's examples, one a line."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _command(
    sub: Any, name: str, examples: Sequence[str], **kwargs: Any
) -> argparse.ArgumentParser:
    """A subcommand's parser, its examples below the options."""
    return sub.add_parser(
        name, epilog=_examples(*examples), formatter_class=_HelpFormatter, **kwargs
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pong-league")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pong-league",
        description="League training for two-player Pong on Stable-Baselines3.",
        epilog=_examples(
            "pong-league train                      # the default league into runs/<date-time>/",
            "pong-league ls runs/                   # the runs, then one run's snapshots:",
            "pong-league ls runs/my-run --sort rating",
            "pong-league pit left-0007 cpu --run runs/my-run --games 1000",
        ),
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pong-league {_version()}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for register in COMMANDS:
        register(sub)
    return parser


def add_train(sub: Any) -> None:
    p = _command(
        sub,
        "train",
        examples=[
            "pong-league train                                # the default league",
            "pong-league train --preset article --run-dir runs/article",
            "pong-league train --config my.toml --generations 10 --run-dir runs/long",
            "pong-league train --resume runs/long             # after Ctrl-C or a crash",
            "pong-league train --resume runs/long --generations 12   # extend to 12 in all",
        ],
        help="train a league (the default league with no options)",
        description=(
            "Train a league into runs/<name>/: alternate generations of the left and the right "
            "role, each against opponents drawn from the other role's frozen snapshots and the "
            "scripted CPU. With no options this runs the default league (1.6 M env steps, 17 "
            "to 30 minutes on 2 cores; about 7 with --workers 2, as make train runs it). The "
            "generation lines also go to RUN/train.log; at the "
            "end a recap shows each role's best snapshot. Watch it with `tensorboard --logdir "
            "runs/`."
        ),
    )
    d = DEFAULTS
    p.add_argument("--run-dir", type=Path, help="run folder (default: runs/<date-time>)")
    p.add_argument(
        "--resume",
        type=Path,
        metavar="RUN_DIR",
        help="continue the run in RUN_DIR; with --generations N, train it to N generations in all",
    )
    p.add_argument(
        "--config", type=Path, metavar="TOML", help="TOML file over the built-in defaults"
    )
    p.add_argument(
        "--preset",
        choices=list(PRESET_OVERRIDES),
        help=f"league: PFSP over all past snapshots + CPU; article: naive self-play "
        f"(default {d.preset})",
    )
    p.add_argument(
        "--generations",
        type=int,
        metavar="N",
        help=f"generations to train (default {d.generations})",
    )
    p.add_argument(
        "--steps-per-generation",
        type=int,
        metavar="N",
        help=f"env steps per generation (default {d.steps_per_generation})",
    )
    p.add_argument(
        "--schedule",
        choices=SCHEDULES,
        help="alternate: one role's generation at a time, against the other role's whole pool; "
        "simultaneous: both roles' generations at once (2k - 1 and 2k), each against the other "
        f"role's pool before them, so more learners run side by side (default {d.schedule})",
    )
    p.add_argument("--algo", choices=ALGOS, help=f"learner algorithm (default {d.algo})")
    p.add_argument(
        "--matchmaking", choices=SCHEMES, help=f"opponent choice (default {d.matchmaking})"
    )
    p.add_argument(
        "--rules", metavar="NAME", help=f"rules preset: classic or seed (default {d.rules})"
    )
    p.add_argument(
        "--game",
        metavar="NAME",
        help="pong, a two-player PettingZoo env (pettingzoo.classic.tictactoe_v3) or "
        f"py:MODULE:FACTORY; other games train with maskable_ppo (default {d.game})",
    )
    p.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help=f"seed of learners, envs and matchmaking (default {d.seed})",
    )
    p.add_argument(
        "--n-envs", type=int, metavar="N", help=f"parallel envs per learner (default {d.n_envs})"
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="train on N CPUs: a local Ray instance runs the generation's learners (the main "
        "agent and its exploiters) side by side; same results as 1 (default 1, no Ray; needs "
        "pip install -e '.[ray]')",
    )
    p.add_argument(
        "--address",
        metavar="auto|HOST:PORT",
        help="join the Ray cluster there (`ray start --head`) instead of starting one; "
        "--workers defaults to its CPUs",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run_train)


def run_train(args: argparse.Namespace) -> int:
    overrides = {
        "generations": args.generations,
        "schedule": args.schedule,
        "steps_per_generation": args.steps_per_generation,
        "algo": args.algo,
        "matchmaking": args.matchmaking,
        "rules": args.rules,
        "game": args.game,
        "seed": args.seed,
        "n_envs": args.n_envs,
    }
    if args.workers is not None and args.workers < 1:
        raise LeagueError(f"--workers {args.workers}: give 1 or more CPUs to train on")
    if args.address is None and (args.workers or 1) == 1:
        return _train(args, overrides, None)
    from league.parallel import ray_session

    with ray_session(args.workers, args.address) as workers:
        return _train(args, overrides, workers)


def _train(args: argparse.Namespace, overrides: dict[str, Any], workers: int | None) -> int:
    from league.board import LeagueBoard
    from league.config import load_config
    from league.trainer import League, Stopped

    if args.resume is not None:
        given = [k for k, v in overrides.items() if v is not None and k != "generations"]
        if args.config or args.preset or args.run_dir or given:
            raise LeagueError(
                "--resume continues a run with the config saved in it; the only option it "
                "takes is --generations N, to train the run to N generations in all"
            )
        league = League.resume(args.resume, generations=args.generations)
    else:
        config = load_config(args.config, args.preset, overrides)
        run_dir = args.run_dir or Path("runs") / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        league = League.create(run_dir, config)
    from league.progress import ProgressBar, TrainLog

    log = TrainLog(league.run_dir / "train.log")
    try:
        if workers is not None:
            from league.parallel import RayHosts

            league.hosts = RayHosts(league.config, workers, warn=log.line)
        league.board = LeagueBoard(league.run_dir)
        c = league.config
        now = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        resumed = f"resumed at generation {league.next_generation}"
        log.line(f"# {resumed if args.resume else 'started'} {now}", echo=False)
        log.line(
            f"league {league.run_dir}: {c.generations} generations x "
            f"{c.steps_per_generation:,} steps, {c.algo}, {c.matchmaking} matchmaking, "
            + game_words(c)
            + f" (seed {c.seed}"
            + (", both roles at once)" if c.schedule == "simultaneous" else ")")
        )
        print(f"watch it with: tensorboard --logdir {league.run_dir.parent}")
        progress = None if args.no_progress else ProgressBar.factory()
        league.run(on_generation=log.generation, progress=progress)
    except Stopped as stop:
        log.line(
            f"\nstopped during generation {stop.args[0]}; everything before it is saved. "
            f"Resume with: pong-league train --resume {league.run_dir}"
        )
        return 130
    finally:
        league.close()
    from league.recap import Recap

    # The run is complete and saved whatever happens here: the recap only reads and plays.
    try:
        log.line("\n" + Recap.of(league.run_dir).to_text())
    except (LeagueError, KeyboardInterrupt) as err:
        why = "stopped" if isinstance(err, KeyboardInterrupt) else str(err)
        log.line(f"\ndone: {league.run_dir} (no recap: {why}; see `pong-league ls`)")
    return 0


def game_words(c: LeagueConfig) -> str:
    """The game as the first line of ``train`` names it: ``classic rules``, and the fields a
    run changes (``classic rules with ball_speed_max = 48.0``), or the PettingZoo game's id."""
    if c.game != "pong":
        return c.game
    changed = [f"{k} = {v}" for k, v in c.rules_overrides.items()]
    changed += [f"{k} = {v} in training" for k, v in c.train_rules_overrides.items()]
    return f"{c.rules} rules" + (f" with {', '.join(changed)}" if changed else "")


def add_pit(sub: Any) -> None:
    p = _command(
        sub,
        "pit",
        examples=[
            "pong-league pit left-0007 cpu --run runs/my-run --games 1000",
            "pong-league pit left-0007 right-0008 --run runs/my-run --games 1000 --record",
            "pong-league pit runs/a/snapshots/left-0007.npz runs/b/snapshots/right-0008.npz",
            "pong-league pit py:scripts/example_bot.py:Follower cpu --video bot.mp4",
            "pong-league pit left-0007 cpu --run runs/my-run --video g.gif --video-games 3",
        ],
        help="play two players against each other and report A's win rate",
        description=(
            "Play GAMES games of A against B in one batch and print A's wins, losses, draws, "
            "win rate with its 95% confidence interval, points and game length. A player is a "
            "snapshot id (with --run), a snapshot file (.npz/.json/.zip), cpu, random, still, "
            "a reference bot, nash:left / nash:right (with --run), ensemble:left / "
            "ensemble:right (a role's last 3 mains acting on their mean action values; with "
            "--run, or as ensemble:left@RUN_DIR), or your bot py:MODULE:ATTR / "
            "py:path/to/file.py:ATTR. Nothing is written to the run unless --record is "
            "given; then the results of a balanced match "
            "(--sides alternate, a multiple of 4 games; in a PettingZoo game, an even number) "
            "between snapshots of the run's two roles, under its rules, are added to its "
            "database (source pit), and the output says so; any other match with --record is "
            "refused with the reason before a game is played."
        ),
    )
    p.add_argument("a", metavar="A", help="player A")
    p.add_argument("b", metavar="B", help="player B")
    # dest run_dir: `run` holds the subcommand's function (see main).
    p.add_argument(
        "--run", dest="run_dir", type=Path, metavar="RUN_DIR", help="run whose snapshot ids to use"
    )
    p.add_argument("--games", type=int, default=100, help="games to play (default 100)")
    p.add_argument("--seed", type=int, default=0, help="game i is seeded SEED + i (default 0)")
    p.add_argument("--rules", help="rules preset (default: the run's rules, else classic)")
    p.add_argument(
        "--sides",
        choices=("alternate", "fixed"),
        default="alternate",
        help="alternate (default): A plays left in games 0-1 of every 4, right in 2-3, so "
        "sides and first serves are balanced over a multiple of 4 games; fixed: A always left",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--video",
        type=Path,
        metavar="PATH",
        help="write the first games to PATH: .mp4 (H.264, 60 fps) or .gif (half the size), "
        "a title card before each game; a PettingZoo game's own rgb_array frames, one per move",
    )
    p.add_argument(
        "--video-games", type=int, default=1, metavar="K", help="games in the video (default 1)"
    )
    p.add_argument(
        "--video-speed",
        type=float,
        default=VIDEO_SPEED,
        metavar="S",
        help=f"the video plays S times faster than real time, by dropping frames (default "
        f"{VIDEO_SPEED:g}: a 1,000-step rally in {1000 / 60 / VIDEO_SPEED:.1f} s); a position "
        "of a PettingZoo game shows 1/S s",
    )
    p.add_argument(
        "--record",
        action="store_true",
        help="add the results to the run's database (off by default; see above)",
    )
    # Recording used to be the default: --no-record is still accepted, and changes nothing.
    p.add_argument("--no-record", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--no-progress", action="store_true", help="no progress bar for --video")
    p.set_defaults(run=run_pit)


def run_pit(args: argparse.Namespace) -> int:
    import json

    from league.arena import pit

    if args.record and args.no_record:
        raise LeagueError("--record and --no-record contradict each other; give one")
    report = pit(
        args.a,
        args.b,
        run_dir=args.run_dir,
        games=args.games,
        seed=args.seed,
        rules_name=args.rules,
        sides=args.sides,
        video=args.video,
        video_games=args.video_games,
        video_speed=args.video_speed,
        record=args.record,
        progress=not args.no_progress,
    )
    print(json.dumps(report.to_dict()) if args.json else report.to_text())
    return 0


def add_ls(sub: Any) -> None:
    p = _command(
        sub,
        "ls",
        examples=[
            "pong-league ls runs/                      # every run: generations, date, best",
            "pong-league ls runs/my-run --sort rating  # its snapshots, best first",
            "pong-league ls runs/my-run --json",
        ],
        help="list a run's snapshots with their ratings and win rates (or a folder's runs)",
        description=(
            "Every snapshot of a run: role, kind, generation, env steps trained, rating now and "
            "at creation, win rate against the CPU and beats-past; * marks each role's best by "
            "rating now. Given a folder of runs (runs/), one line per run: generations done "
            "and in all, date, best snapshot. Safe while a run trains."
        ),
    )
    p.add_argument(
        "run_dir", type=Path, metavar="RUN_DIR", help="the run folder, or a folder of runs"
    )
    p.add_argument(
        "--sort",
        choices=("generation", "rating"),
        default="generation",
        help="generation (default): as they were made; rating: best rating now first",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run_ls)


def run_ls(args: argparse.Namespace) -> int:
    from league.report import LeagueView, ls_json, ls_text, runs_json, runs_text
    from league.store import DB_NAME, find_runs

    if not (args.run_dir / DB_NAME).is_file() and find_runs(args.run_dir):
        print(runs_json(args.run_dir) if args.json else runs_text(args.run_dir))
        return 0
    view = LeagueView.read(args.run_dir)
    print(ls_json(view, args.sort) if args.json else ls_text(view, args.sort))
    return 0


def add_matrix(sub: Any) -> None:
    p = _command(
        sub,
        "matrix",
        examples=[
            "pong-league matrix runs/my-run",
            "pong-league matrix runs/my-run --png matrix.png   # or .jpg, .pdf",
            "pong-league matrix runs/my-run --csv > scores.csv",
        ],
        help="show a run's win-rate matrix, ratings and Nash weights",
        description=(
            "The win-rate matrix of a run (rows: left snapshots; columns: right snapshots and "
            "the CPU) with games per cell, ratings and the Nash weights of the snapshots' "
            "meta-game. Safe while the run trains."
        ),
    )
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="the run folder")
    form = p.add_mutually_exclusive_group()
    form.add_argument("--csv", action="store_true", help="print the scores as CSV")
    form.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--png",
        type=Path,
        metavar="PATH",
        help="also write the heatmap, in the format PATH's suffix names: .png, .jpg/.jpeg, .pdf",
    )
    p.set_defaults(run=run_matrix)


def run_matrix(args: argparse.Namespace) -> int:
    from league.report import (
        LeagueView,
        check_image_path,
        matrix_csv,
        matrix_json,
        matrix_text,
        save_matrix_image,
    )

    if args.png is not None:
        check_image_path(args.png)
    view = LeagueView.read(args.run_dir)
    if args.png is not None:
        save_matrix_image(view, args.png)
    if args.csv:
        print(matrix_csv(view), end="")
    elif args.json:
        print(matrix_json(view))
    else:
        print(matrix_text(view))
        if args.png is not None:
            print(f"\nheatmap: {args.png}")
    return 0


def add_play(sub: Any) -> None:
    p = _command(
        sub,
        "play",
        examples=[
            "pong-league play right-0008 --run runs/my-run",
            "pong-league play cpu --side right --rules seed",
            "pong-league play minimax --run runs/tictactoe --side right",
        ],
        help="play against a player with the keyboard",
        description=(
            "Play one game against A in a window at 60 fps: W/S or the arrow keys move your "
            "paddle, Space pauses, Esc quits. A is any player pit accepts. In a run of a "
            "PettingZoo game (--run) the game is played in the terminal: the board is printed "
            "and you type the number of a legal action; q or Ctrl-D quits. --side left plays "
            "the env's first agent, right its second."
        ),
    )
    p.add_argument("a", metavar="A", help="the player to face")
    # dest run_dir: `run` holds the subcommand's function (see main).
    p.add_argument(
        "--run", dest="run_dir", type=Path, metavar="RUN_DIR", help="run whose snapshot ids to use"
    )
    p.add_argument(
        "--side", choices=("left", "right"), default="left", help="your side (default left)"
    )
    p.add_argument("--rules", help="rules preset (default: the run's rules, else classic)")
    p.add_argument("--seed", type=int, help="the game's seed (default: a fresh one)")
    p.set_defaults(run=run_play)


def run_play(args: argparse.Namespace) -> int:
    from league.play import play_cli

    result = play_cli(args.a, args.run_dir, args.side, args.rules, args.seed)
    print(result.to_text())
    return 0


def add_exploit(sub: Any) -> None:
    p = _command(
        sub,
        "exploit",
        examples=[
            "pong-league exploit left-0007 --run runs/my-run --steps 200000 --seeds 3",
            "pong-league exploit cpu --steps 20000 --games 400 --seeds 2",
        ],
        help="train a fresh best response against a frozen player: how exploitable is it?",
        description=(
            "Train a fresh learner (the run's algorithm, network and hyper-parameters; the\n"
            "defaults without --run) for STEPS env steps against the frozen TARGET as its only\n"
            "opponent, then play it against TARGET over GAMES games, sides and first serves\n"
            "balanced, and print its score (a win 1, a draw 1/2) with a 95% confidence\n"
            "interval: the exploitability at STEPS steps, and the share of games it won\n"
            "outright. A fresh learner trained N steps against the frozen target scores X%\n"
            "against it; 50% = as good as the target; lower is harder to exploit. TARGET is\n"
            "any player pit accepts: a snapshot id (with --run), a snapshot file, cpu, random,\n"
            "still, a reference bot, nash:left, ensemble:left or a py: bot. The best response\n"
            "trains on the side opposite the target's role (left otherwise). With --run its\n"
            "model goes to RUN/exploits/ and its results to the run's exploits table, never\n"
            "into the matrix, ratings or matchmaking."
        ),
    )
    p.add_argument("target", metavar="TARGET", help="the frozen player to exploit")
    # dest run_dir: `run` holds the subcommand's function (see main).
    p.add_argument(
        "--run",
        dest="run_dir",
        type=Path,
        metavar="RUN_DIR",
        help="run whose snapshot ids and config to use, and where to store the results",
    )
    p.add_argument(
        "--steps", type=int, default=200_000, help="env steps per best response (default 200000)"
    )
    p.add_argument(
        "--seeds",
        type=int,
        default=1,
        metavar="K",
        help="best responses to train, seeds SEED..SEED+K-1; reports each and the mean (default 1)",
    )
    p.add_argument(
        "--games",
        type=int,
        default=1000,
        help="evaluation games per best response, a multiple of 4 (default 1000)",
    )
    p.add_argument("--seed", type=int, default=0, help="training seed of the first (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run_exploit)


def run_exploit(args: argparse.Namespace) -> int:
    import json

    from league.exploit import measure_exploitability

    try:
        report = measure_exploitability(
            args.target,
            run_dir=args.run_dir,
            steps=args.steps,
            seeds=args.seeds,
            games=args.games,
            seed=args.seed,
            progress=not args.no_progress,
        )
    except KeyboardInterrupt:
        print(
            "\nstopped: the best response in training was not saved; any finished before it "
            "are stored",
            file=sys.stderr,
        )
        return 130
    print(json.dumps(report.to_dict()) if args.json else report.to_text())
    return 0


def add_gauntlet(sub: Any) -> None:
    p = _command(
        sub,
        "gauntlet",
        examples=[
            "pong-league gauntlet right-0008 --run runs/my-run --games 400",
            "pong-league gauntlet py:scripts/example_bot.py:Follower --json",
        ],
        help="play a player against reference bots of distinct styles that no league trains on",
        description=(
            "Play TARGET against each reference bot, GAMES games each, sides and first serves\n"
            "balanced, and print its win rate against each with a 95% confidence interval,\n"
            "points per game, and one score: the mean win rate over the bots outside a\n"
            "league's training pool (the CPU is shown for reference, not counted). It measures\n"
            "how a player does beyond the opponents it trained on. The bots: interceptor\n"
            "(predicts where the ball meets its paddle, walls folded in), edge (the same, hitting\n"
            "with its paddle's edge to aim away from the opponent), delayed (reacts late, only in\n"
            "its own half), noisy (aims with an error fixed per flight), follower (follows the\n"
            "ball), cpu. TARGET is any player pit accepts: a snapshot id (with --run), a snapshot\n"
            "file, cpu, random, still, a bot name or a py: bot. Each row equals\n"
            "`pong-league pit TARGET BOT --games GAMES --seed SEED`; nothing is stored.\n"
            "In a run of a PettingZoo game (--run), the bots are the game's reference players:\n"
            "random legal moves (the league's own cpu there: in the score only when it is the\n"
            "only bot) and, in tic-tac-toe, minimax (perfect play), seats alternating; each row\n"
            "equals `pong-league pit TARGET BOT --run RUN --games GAMES --seed SEED`."
        ),
    )
    p.add_argument("target", metavar="TARGET", help="the player to measure")
    # dest run_dir: `run` holds the subcommand's function (see main).
    p.add_argument(
        "--run", dest="run_dir", type=Path, metavar="RUN_DIR", help="run whose snapshot ids to use"
    )
    p.add_argument(
        "--games",
        type=int,
        default=400,
        help="games per bot, a multiple of 4 (default 400: intervals of at most +-5 points)",
    )
    p.add_argument("--seed", type=int, default=0, help="game i is seeded SEED + i (default 0)")
    p.add_argument("--rules", help="rules preset (default: the run's rules, else classic)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run_gauntlet)


def run_gauntlet(args: argparse.Namespace) -> int:
    import json

    from league.arena import run_game
    from league.gauntlet import check_games, check_seed
    from league.gauntlet import run_gauntlet as play_gauntlet
    from league.players import game_settings, resolve_player

    check_games(args.games)
    check_seed(args.seed)
    if args.run_dir is not None and run_game(args.run_dir) != "pong":
        report = _game_gauntlet(args)
        print(json.dumps(report.to_dict()) if args.json else report.to_text())
        return 0
    rules, frame_stack = game_settings(args.run_dir, args.rules)
    target = resolve_player(args.target, args.run_dir, rules, frame_stack, seed=args.seed)
    report = play_gauntlet(target, rules, frame_stack, games=args.games, seed=args.seed)
    print(json.dumps(report.to_dict()) if args.json else report.to_text())
    return 0


def _game_gauntlet(args: argparse.Namespace) -> GauntletReport:
    """The gauntlet in a run of a PettingZoo game: its reference players."""
    from league.arena import run_game
    from league.games import load_game
    from league.games.arena import resolve_game_player
    from league.gauntlet import run_game_gauntlet

    name = run_game(args.run_dir)
    if args.rules is not None:
        raise LeagueError(
            f"--rules: {args.run_dir} is a league of {name}, which has no Pong rules to change"
        )
    game = load_game(name)
    target = resolve_game_player(args.target, args.run_dir, game, args.seed)
    return run_game_gauntlet(target, args.run_dir, game, games=args.games, seed=args.seed)


COMMANDS: list[Callable[[Any], None]] = [
    add_train,
    add_pit,
    add_ls,
    add_matrix,
    add_play,
    add_exploit,
    add_gauntlet,
]


if __name__ == "__main__":
    sys.exit(main())
