"""The Dockerfile: its sources in the build context, its runtime stage."""

from __future__ import annotations

import fnmatch
import json
import shlex

from checks.common import DEPLOY, ROOT, expect

DOCKERFILE = DEPLOY / "Dockerfile"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions, current = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        current += " " + stripped
        if current.endswith("\\"):
            current = current[:-1]
            continue
        word, _, rest = current.strip().partition(" ")
        instructions.append((word.upper(), rest.strip()))
        current = ""
    return instructions


def dockerignore_patterns() -> list[str]:
    path = ROOT / ".dockerignore"
    expect(path.is_file(), "no .dockerignore at the repository root")
    lines = [line.strip() for line in path.read_text().splitlines()]
    return [line.rstrip("/") for line in lines if line and not line.startswith("#")]


def ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore keeps `path` (relative, with slashes) out of the build context:
    a pattern matches the path or one of its parent folders (`**` matches any depth)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        expect(
            not pattern.startswith("!"),
            ".dockerignore exceptions (!) are not understood by this check",
        )
        for prefix in prefixes:
            if fnmatch.fnmatchcase(prefix, pattern):
                return True
            if pattern.startswith("**/") and fnmatch.fnmatchcase(prefix.split("/")[-1], pattern[3:]):
                return True
    return False


def check_dockerfile_sources() -> None:
    patterns = dockerignore_patterns()
    copies = 0
    for word, rest in dockerfile_instructions():
        if word not in ("COPY", "ADD"):
            continue
        args = shlex.split(rest)
        if any(a.startswith("--from=") for a in args):
            continue
        sources = [a for a in args if not a.startswith("--")][:-1]
        for source in sources:
            copies += 1
            expect((ROOT / source).exists(), f"{word} {source}: no such file in the repository")
            if source != ".":
                expect(not ignored(source, patterns), f"{word} {source}: excluded by .dockerignore")
    expect(copies > 0, "the Dockerfile copies nothing from the repository")
    # What `COPY . .` must bring for `cargo build --locked -p sismatch`.
    for needed in ["Cargo.toml", "Cargo.lock", "crates", "proto", "benches"]:
        expect((ROOT / needed).exists(), f"{needed} is missing")
        expect(not ignored(needed, patterns), f"{needed} is excluded by .dockerignore")
    for excluded in ["target", ".git"]:
        expect(ignored(excluded, patterns), f".dockerignore does not exclude {excluded}")


def dockerfile_facts() -> dict:
    instructions = dockerfile_instructions()
    stages = [rest for word, rest in instructions if word == "FROM"]
    last = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    runtime = instructions[last:]
    users = [rest for word, rest in runtime if word == "USER"]
    expose = {int(p.split("/")[0]) for word, rest in runtime if word == "EXPOSE" for p in rest.split()}
    entrypoint = [json.loads(rest) for word, rest in runtime if word == "ENTRYPOINT"]
    return {"stages": stages, "users": users, "expose": expose, "entrypoint": entrypoint}


def check_dockerfile_runtime(facts: dict, ports: set[int]) -> int:
    expect(len(facts["stages"]) >= 2, "not a multi-stage build")
    expect(facts["users"], "the runtime stage sets no USER")
    user = facts["users"][-1].split(":")[0]
    expect(user.isdigit() and int(user) != 0, f"USER {user} is not a numeric non-root uid")
    expect(
        facts["entrypoint"] == [["sismatch"]],
        f"ENTRYPOINT is {facts['entrypoint']}, not [\"sismatch\"]",
    )
    missing = ports - facts["expose"]
    expect(not missing, f"EXPOSE lacks the ports {sorted(missing)}")
    return int(user)
