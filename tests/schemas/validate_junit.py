#!/usr/bin/env python3
"""Validate JUnit XML files against an XSD: validate_junit.py SCHEMA.xsd FILE...

Prints one line per violation (file: path: reason) and exits 1 when there is any; exits 3 when
the `xmlschema` package is missing (tests/schemas/README.md says how CI installs it).
"""
import sys

try:
    import xmlschema
except ImportError:
    print("xmlschema is not installed: python3 -m pip install xmlschema==4.3.2", file=sys.stderr)
    sys.exit(3)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    schema = xmlschema.XMLSchema10(argv[1])
    bad = 0
    for path in argv[2:]:
        for error in schema.iter_errors(path):
            bad += 1
            print(f"{path}: {error.path}: {error.reason}")
    print(f"{len(argv) - 2} file(s) checked against {argv[1]}, {bad} violation(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
