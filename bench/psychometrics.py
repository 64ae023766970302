#!/usr/bin/env python3
"""The psychometric core against its references, in one run: adaptive testing vs catsim 0.21,
calibration vs girth 0.8. Prints every figure of issue 3's goals with its ratio.

    pip install -e ".[bench]"        # catsim and girth (catsim pulls matplotlib and scikit-learn)
    python bench/psychometrics.py [--quick]

Exits 0 when every goal is met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import calibration_vs_girth
import cat_vs_catsim


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples and banks (a few minutes)")
    args = parser.parse_args(argv)
    extra = ["--quick"] if args.quick else []
    print("######## adaptive testing: LevelPath vs catsim ########", flush=True)
    cat_status = cat_vs_catsim.main(extra)
    print("\n######## calibration: LevelPath vs girth ########", flush=True)
    calibration_status = calibration_vs_girth.main(extra)
    met = cat_status == 0 and calibration_status == 0
    print(f"\nall goals met: {'yes' if met else 'NO'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
