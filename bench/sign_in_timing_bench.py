"""How long a refused sign-in takes, by reason: unknown email, locked account, wrong password.

Equal times mean the answer's timing does not tell an attacker which emails have accounts
or which accounts are locked. Runs the real sign-in form through the test client on a
throwaway SQLite database (or DATABASE_URL). Prints the median and the 10th-90th
percentile range of each, in milliseconds. Synthetic accounts only.

    python bench/sign_in_timing_bench.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask.testing import FlaskClient

from web import create_app, db, migrate
from web.accounts.services import accounts
from web.shared.services import reference_data

PASSWORD = "a long synthetic password"


def _token(client: FlaskClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").get_data(as_text=True))
    assert match
    return match.group(1)


def _timed(client: FlaskClient, email: str, password: str) -> float:
    token = _token(client)
    start = time.perf_counter()
    response = client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})
    elapsed = time.perf_counter() - start
    assert response.status_code != 302, "signed in: the bench expects refusals only"
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.db"
        app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "SESSION_COOKIE_SECURE": False})
        migrate.upgrade(app)
        with app.app_context():
            reference_data.load_authorities()
            for name in ("locked", "wrong"):
                accounts.create_user(f"{name}@bench.test", name, "social_worker", "E08000003", PASSWORD)
            db.commit()
            for _ in range(accounts.MAX_FAILED_SIGN_INS):
                accounts.authenticate("locked@bench.test", "wrong")
        cases = {
            "unknown email": ("nobody@bench.test", "anything"),
            "locked account": ("locked@bench.test", PASSWORD),
            "wrong password": ("wrong@bench.test", "wrong"),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        client = app.test_client()
        for round_number in range(args.rounds):
            for name, (email, password) in cases.items():
                if name == "wrong password" and round_number % (accounts.MAX_FAILED_SIGN_INS - 1) == 0:
                    with app.app_context():  # keep it below the lock-out
                        accounts.authenticate("wrong@bench.test", PASSWORD)
                times[name].append(_timed(client, email, password))
        db.engine(app).dispose()
    print(f"Refused sign-in, {args.rounds} rounds each (ms): median [10th-90th percentile]")
    for name, values in times.items():
        deciles = statistics.quantiles(values, n=10)
        print(f"  {name:15} {statistics.median(values):7.1f}  [{deciles[0]:.1f}-{deciles[-1]:.1f}]")


if __name__ == "__main__":
    main()
