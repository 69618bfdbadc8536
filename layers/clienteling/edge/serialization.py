"""JSON as clients read it: UTF-8 text ("Zoë", not "Zo\\u00eb"), compact."""

from __future__ import annotations

import json
from functools import partial

from aws_lambda_powertools.shared.json_encoder import Encoder

to_json = partial(json.dumps, separators=(",", ":"), ensure_ascii=False, cls=Encoder)
