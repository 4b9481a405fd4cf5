"""A bot of your own: `pong-league pit py:scripts/example_bot.py:Follower cpu`."""

import numpy as np


class Follower:
    """Moves its paddle towards the ball (newest frame: ball x, y, own y, other y, vx, vy)."""

    def __init__(self, rules):
        self.slack = rules.paddle_height / rules.height / 2  # a quarter paddle, in obs units

    def act(self, obs):
        gap = obs[:, -5] - obs[:, -4]  # ball y - own paddle y; y grows downward
        return np.where(gap < -self.slack, 1, np.where(gap > self.slack, 2, 0))
