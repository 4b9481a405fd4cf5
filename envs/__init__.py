"""The game: Pong rules, a batched compiled engine, and Gymnasium / PettingZoo envs over it.

Nothing here imports torch; rendering (pygame) is imported only when a frame is drawn.
"""

import gymnasium

from envs.duel import PongDuel
from envs.engine import CPU, Engine
from envs.rules import PRESETS, Rules, rules
from envs.scripted import Policy, scripted
from envs.single import PongVsOpponent

ENV_ID = "PongLeague/PongVsOpponent-v0"

if ENV_ID not in gymnasium.registry:
    gymnasium.register(ENV_ID, entry_point="envs.single:PongVsOpponent")

__all__ = [
    "CPU",
    "ENV_ID",
    "PRESETS",
    "Engine",
    "Policy",
    "PongDuel",
    "PongVsOpponent",
    "Rules",
    "rules",
    "scripted",
]
